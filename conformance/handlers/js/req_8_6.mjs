// 8-6 Parallel fail-fast (tolerated failures 0): the second branch fails, the third never starts.
import { withDurableExecution } from "@aws/durable-execution-sdk-js";

export const handler = withDurableExecution(async (event, context) => {
  const result = await context.parallel("failfast", [
    async () => "ok",
    async () => { throw new Error("branch failed"); },
    async () => "never",
  ], { maxConcurrency: 1, completionConfig: { toleratedFailureCount: 0 } });
  const { completionReason, status, successCount, failureCount, totalCount } = result;
  return { completionReason, status, successCount, failureCount, totalCount };
});
