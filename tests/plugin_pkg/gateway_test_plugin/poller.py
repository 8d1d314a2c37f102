"""A third-party event-source poller: proof that a package outside the gateway
can add one (entry point group ``gateway.lambda.event_sources``).

It relays an SQS queue: the mapping's own queue for an ``sqs`` mapping (chosen
with ``LAMBDA_EVENT_SOURCE_POLLER_SQS=toy``), or, for an ``mq`` mapping (a
source the gateway has no poller for), the queue its ``Queues[0]`` names. Each
batch of bodies goes to the function as ``{"toy": <source>, "bodies": [...]}``;
the function's answer is sent on to the queue ``<queue>-replies``, so a test
sees what the function saw. A body ``crash`` makes the poller die (it is
deleted first), to show that a dead poller is restarted.
"""

from providers.lambda_.backend.mappings import FUNCTION_CALL_FAILED, OK
from providers.lambda_.event_sources.poller import Poller

WAIT_SECONDS = 1  # short long polls: a stopped toy ends within a second


class QueueRelayPoller(Poller):
    def run(self) -> None:
        sqs = self.clients.client("sqs", account_id=self.mapping.key.account_id)
        name = self._queue_name()
        queue_url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        replies_url = sqs.get_queue_url(QueueName=f"{name}-replies")["QueueUrl"]
        batch_size = min(int(self.mapping.get("BatchSize", 10)), 10)
        while not self.stopping.is_set():
            messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=batch_size,
                                           WaitTimeSeconds=WAIT_SECONDS).get("Messages", [])
            if not messages:
                continue
            handles = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)]
            if self.stopping.is_set():  # read after the stop: hand the messages back
                sqs.change_message_visibility_batch(
                    QueueUrl=queue_url, Entries=[{**entry, "VisibilityTimeout": 0} for entry in handles])
                return
            bodies = [m["Body"] for m in messages]
            if "crash" in bodies:
                sqs.delete_message_batch(QueueUrl=queue_url, Entries=handles)
                raise RuntimeError("the toy poller crashes on purpose")
            outcome = self.invoke({"toy": self.mapping.source, "bodies": bodies})
            if outcome.function_error:
                self.report(FUNCTION_CALL_FAILED)
                continue  # the messages come back after their visibility timeout
            sqs.delete_message_batch(QueueUrl=queue_url, Entries=handles)
            self.report(OK)
            self.save_checkpoint({"batches": self.checkpoint().get("batches", 0) + 1})
            sqs.send_message(QueueUrl=replies_url, MessageBody=outcome.payload.decode())

    def _queue_name(self) -> str:
        if self.mapping.source == "sqs":
            return self.mapping.event_source_arn.rsplit(":", 1)[1]
        return self.mapping.get("Queues")[0]
