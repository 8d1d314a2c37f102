"""An STS provider that always answers the same identity: proof that a package
outside the gateway can register a provider and be selected by
PROVIDER_OVERRIDE_STS=constant."""

from gateway.provider import Provider


class ConstantStsProvider(Provider):
    service = "sts"

    def get_caller_identity(self, context, request):
        return {
            "UserId": "PLUGIN",
            "Account": "999999999999",
            "Arn": f"arn:aws:iam::999999999999:user/plugin-in-{context.region}",
        }
