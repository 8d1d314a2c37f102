"""Durable handlers written as aws-durable-execution-sdk-python's README shows them
(the SDK is bundled in the zip, unmodified; see tests/support/durable_sdk.py)."""

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step
from aws_durable_execution_sdk_python.config import CallbackConfig, Duration, StepConfig
from aws_durable_execution_sdk_python.retries import JitterStrategy, RetryStrategyConfig, create_retry_strategy


@durable_step
def greet(step_context: StepContext, name: str) -> str:
    return f"Hello, {name}!"


@durable_execution
def steps_and_wait(event, context: DurableContext):
    greeting = context.step(greet(event.get("name", "World")))
    context.wait(Duration.from_seconds(event.get("wait_seconds", 86400)), name="a-day")
    shout = context.step(lambda _: greeting.upper(), name="shout")
    return {"greeting": greeting, "shout": shout}


@durable_execution
def approval(event, context: DurableContext):
    """Waits for a callback (its id is in the history's CallbackStarted event)."""
    callback = context.create_callback(name="approval", config=CallbackConfig(
        timeout=Duration.from_seconds(event.get("timeout", 0))))
    decision = callback.result()  # the payload as sent (no serdes configured)
    context.wait(Duration.from_seconds(1))
    return {"decision": decision}


@durable_execution
def flaky(event, context: DurableContext):
    """A step that fails on its first attempts and succeeds on attempt ``event["succeed_on"]``."""
    retry = create_retry_strategy(RetryStrategyConfig(max_attempts=event["max_attempts"],
                                                      initial_delay=Duration.from_seconds(60),
                                                      jitter_strategy=JitterStrategy.NONE))

    def attempt(step_context: StepContext) -> int:
        if step_context.attempt < event["succeed_on"]:
            raise ValueError(f"attempt {step_context.attempt} failed")
        return step_context.attempt

    return context.step(attempt, name="flaky", config=StepConfig(retry_strategy=retry))


@durable_execution
def chain(event, context: DurableContext):
    """Invokes another function (durable or not) and returns its answer."""
    return {"chained": context.invoke(event["target"], {"from": "chain"}, name="call")}


@durable_execution
def many_steps(event, context: DurableContext):
    total = 0
    for index in range(event.get("steps", 1)):
        total += context.step(lambda _, index=index: index, name=f"s{index}")
    return total


def raw_protocol(event, context):
    """No SDK: drives the checkpoint API itself with the durable invocation input,
    and answers what the service said to bad tokens and bad updates."""
    import json

    import boto3

    client = boto3.client("lambda")
    arn, token = event["DurableExecutionArn"], event["CheckpointToken"]
    findings = {"input_keys": sorted(event), "operations": [op["Type"] for op in
                                                           event["InitialExecutionState"]["Operations"]]}

    def outcome(call):
        try:
            return call()
        except client.exceptions.ClientError as error:
            return {"error": error.response["Error"]["Code"], "message": error.response["Error"].get("Message")}

    step = {"Id": "s1", "Type": "STEP", "Action": "START", "Name": "one", "SubType": "Step"}
    first = client.checkpoint_durable_execution(DurableExecutionArn=arn, CheckpointToken=token, Updates=[step])
    token2 = first["CheckpointToken"]
    findings["first_changed"] = [op["Id"] for op in first["NewExecutionState"]["Operations"]]
    findings["stale"] = outcome(lambda: client.checkpoint_durable_execution(
        DurableExecutionArn=arn, CheckpointToken=token, Updates=[]))
    findings["forged"] = outcome(lambda: client.checkpoint_durable_execution(
        DurableExecutionArn=arn, CheckpointToken="AAAA", Updates=[]))
    findings["bad_action"] = outcome(lambda: client.checkpoint_durable_execution(
        DurableExecutionArn=arn, CheckpointToken=token2,
        Updates=[{"Id": "w1", "Type": "WAIT", "Action": "RETRY"}]))
    findings["after_bad"] = [op["Id"] for op in client.get_durable_execution_state(
        DurableExecutionArn=arn, CheckpointToken=token2)["Operations"]]
    done = client.checkpoint_durable_execution(DurableExecutionArn=arn, CheckpointToken=token2, Updates=[
        {"Id": "s1", "Type": "STEP", "Action": "SUCCEED", "Payload": "1"}])
    findings["completed_again"] = outcome(lambda: client.checkpoint_durable_execution(
        DurableExecutionArn=arn, CheckpointToken=done["CheckpointToken"],
        Updates=[{"Id": "s1", "Type": "STEP", "Action": "FAIL", "Error": {"ErrorMessage": "no"}}]))
    findings["state_forged"] = outcome(lambda: client.get_durable_execution_state(
        DurableExecutionArn=arn, CheckpointToken="AAAA"))
    context_ops = [{"Id": "c1", "Type": "CONTEXT", "Action": "START", "SubType": "RunInChildContext"},
                   {"Id": "c1s", "ParentId": "c1", "Type": "STEP", "Action": "START"},
                   {"Id": "c1s", "ParentId": "c1", "Type": "STEP", "Action": "SUCCEED", "Payload": "2"},
                   {"Id": "c1", "Type": "CONTEXT", "Action": "SUCCEED", "Payload": "2"}]
    closed = client.checkpoint_durable_execution(DurableExecutionArn=arn, CheckpointToken=done["CheckpointToken"],
                                                 Updates=context_ops)
    findings["after_context"] = [op["Id"] for op in client.get_durable_execution_state(
        DurableExecutionArn=arn, CheckpointToken=closed["CheckpointToken"])["Operations"]]
    done = closed
    other = arn.rsplit("/", 1)[0] + "/00000000-0000-0000-0000-000000000000"
    findings["other_execution"] = outcome(lambda: client.checkpoint_durable_execution(
        DurableExecutionArn=other, CheckpointToken=done["CheckpointToken"], Updates=[]))
    return {"Status": "SUCCEEDED", "Result": json.dumps(findings)}
