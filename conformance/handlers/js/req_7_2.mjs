// 7-2 Wait-for-callback with the static name "approval".
import { withDurableExecution } from "@aws/durable-execution-sdk-js";

export const handler = withDurableExecution(async (event, context) =>
  context.waitForCallback("approval", async (callbackId) => {
    console.log(`callback to complete: ${callbackId}`);
  }));
