// 4-1 Create callback basic: named after the input, the handler returns its result.
import { withDurableExecution } from "@aws/durable-execution-sdk-js";

export const handler = withDurableExecution(async (event, context) => {
  const [callbackPromise] = await context.createCallback(event);
  return callbackPromise;
});
