// 4-6 The external system reports failure; the handler does not catch it.
import { withDurableExecution } from "@aws/durable-execution-sdk-js";

export const handler = withDurableExecution(async (event, context) => {
  const [callbackPromise] = await context.createCallback(event);
  return callbackPromise;
});
