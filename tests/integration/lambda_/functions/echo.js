// A multi-purpose Node.js handler: event.action picks what it does.
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const started = Date.now();
// This runtime process: its pid (inside a sandbox, its namespace's) and mount namespace.
const PROCESS = `${process.pid}/${fs.readlinkSync("/proc/self/ns/mnt")}`;

exports.handler = async (event, context) => {
  event = event && typeof event === "object" ? event : { value: event };
  const action = event.action || "echo";
  if (action === "error") {
    throw new Error(event.message || "boom");
  }
  if (action === "sleep") {
    await new Promise((resolve) => setTimeout(resolve, event.seconds * 1000));
    return { slept: event.seconds, pid: process.pid, process: PROCESS };
  }
  if (action === "exit") {
    console.log("exiting now");
    process.exit(event.status ?? 1);
  }
  if (action === "big") {
    return "x".repeat(event.size);
  }
  if (action === "print") {
    for (const line of event.lines) console.log(line);
    return { printed: event.lines.length };
  }
  if (action === "files") {
    // Marker in the temporary directory, a pause (concurrent invocations
    // overlap), then the markers this environment sees.
    const tmp = os.tmpdir();
    const task = process.env.LAMBDA_TASK_ROOT;
    fs.writeFileSync(path.join(tmp, `marker-${event.marker}`), "x");
    let taskWritable = true;
    try { fs.accessSync(task, fs.constants.W_OK); } catch { taskWritable = false; }
    await new Promise((resolve) => setTimeout(resolve, (event.sleep || 0) * 1000));
    const markers = (dir) => fs.readdirSync(dir).filter((f) => f.startsWith("marker-")).sort();
    return { seen: { task: markers(task), tmp: markers(tmp) }, tmp, task, pid: process.pid, process: PROCESS,
             task_writable: taskWritable };
  }
  return {
    event,
    pid: process.pid,
    process: PROCESS,
    started,
    env: { ...process.env },
    request_id: context.awsRequestId,
    function_name: context.functionName,
    function_version: context.functionVersion,
    invoked_function_arn: context.invokedFunctionArn,
    memory_limit_in_mb: context.memoryLimitInMB,
    log_group_name: context.logGroupName,
    log_stream_name: context.logStreamName,
    remaining_ms: context.getRemainingTimeInMillis(),
    client_context: context.clientContext ?? null,
    file: __filename,
    tmp: os.tmpdir(),
  };
};
