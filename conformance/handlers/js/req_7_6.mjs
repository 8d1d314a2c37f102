// 7-6 Wait-for-callback answered with a failure the handler catches, returning "recovered".
import { withDurableExecution } from "@aws/durable-execution-sdk-js";

export const handler = withDurableExecution(async (event, context) => {
  try {
    return await context.waitForCallback(event, async (callbackId) => {
      console.log(`callback to complete: ${callbackId}`);
    });
  } catch {
    return "recovered";
  }
});
