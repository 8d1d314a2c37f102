// 1-2 Step with name.
import { withDurableExecution } from "@aws/durable-execution-sdk-js";

export const handler = withDurableExecution(async (event, context) =>
  context.step("custom_step_name", async () => `Hello, ${event}!`));
