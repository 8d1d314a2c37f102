// 5-6 Invoke target fails, caught: the handler returns a fallback.
import { withDurableExecution } from "@aws/durable-execution-sdk-js";

export const handler = withDurableExecution(async (event, context) => {
  try {
    return await context.invoke("fail", process.env.FAIL_FUNCTION, { reason: "fail" });
  } catch {
    return "fallback";
  }
});
