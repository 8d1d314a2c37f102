// Node.js runtime bootstrap: the Lambda Runtime API loop with AWS's handler
// semantics (async handlers, callbacks, context methods, ES modules and
// CommonJS, streamifyResponse). Started by the process executor with
// AWS_LAMBDA_RUNTIME_API, _HANDLER and LAMBDA_TASK_ROOT set.
import path from "node:path";
import fs from "node:fs";
import { createRequire } from "node:module";
// Not `import http from "node:http"`: on Node 22+ an ES import of node:http reads its
// lazy WebSocket getters, loading undici (~20 ms per cold start).
const http = createRequire(import.meta.url)("node:http");
import { pathToFileURL } from "node:url";
import { Writable } from "node:stream";
import util from "node:util";

const API = process.env.AWS_LAMBDA_RUNTIME_API;
const BASE = "/2018-06-01/runtime";
const TASK_ROOT = process.env.LAMBDA_TASK_ROOT || process.cwd();
const HANDLER = process.env._HANDLER || "";
const [apiHost, apiPort] = API.split(":");
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const HANDLER_STREAMING = Symbol.for("aws.lambda.runtime.handler.streaming");

// ---- logging as the AWS Node.js runtime prints it -------------------------------
let currentRequestId = undefined;
const jsonLogs = process.env.AWS_LAMBDA_LOG_FORMAT === "JSON";
function writeLog(level, args) {
  const time = new Date().toISOString();
  let line;
  if (jsonLogs) {
    const message = args.length === 1 && typeof args[0] === "string" ? args[0] : util.format(...args);
    line = JSON.stringify({ timestamp: time, level, requestId: currentRequestId, message });
  } else {
    line = `${time}\t${currentRequestId ?? "undefined"}\t${level}\t${util.format(...args)}`.replace(/\n/g, "\r");
  }
  process.stdout.write(line + "\n");
}
console.log = (...a) => writeLog("INFO", a);
console.info = (...a) => writeLog("INFO", a);
console.warn = (...a) => writeLog("WARN", a);
console.error = (...a) => writeLog("ERROR", a);
console.debug = (...a) => writeLog("DEBUG", a);
console.trace = (...a) => writeLog("TRACE", a);

// ---- Runtime API client ------------------------------------------------------------
function request(method, urlPath, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: apiHost, port: apiPort, method, path: BASE + urlPath, agent, headers },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

function errorBody(error) {
  if (error instanceof Error) {
    return {
      errorType: error.name || "Error",
      errorMessage: error.message,
      trace: typeof error.stack === "string" ? error.stack.split("\n") : [],
    };
  }
  return { errorType: typeof error === "object" && error ? "Error" : "string", errorMessage: String(error), trace: [] };
}

async function postError(urlPath, error, type) {
  const body = JSON.stringify(type ? { ...errorBody(error), errorType: type } : errorBody(error));
  await request("POST", urlPath, body, {
    "Content-Type": "application/json",
    "Lambda-Runtime-Function-Error-Type": type || (error && error.name) || "Error",
  });
}

// ---- handler loading -----------------------------------------------------------------
class UserCodeError extends Error {}
function namedError(name, message) {
  const error = new UserCodeError(message);
  error.name = name;
  return error;
}

async function loadHandler() {
  const match = /^([^.]*?)\.(.+)$/.exec(path.basename(HANDLER));
  if (!match) throw namedError("Runtime.MalformedHandlerName", "Bad handler");
  const moduleBase = path.resolve(TASK_ROOT, path.dirname(HANDLER), match[1]);
  const handlerPath = match[2];
  let file;
  for (const ext of [".js", ".mjs", ".cjs", ""]) {
    if (fs.existsSync(moduleBase + ext) && fs.statSync(moduleBase + ext).isFile()) {
      file = moduleBase + ext;
      break;
    }
  }
  let moduleObject;
  try {
    if (!file) {
      // A package name resolvable from the task root (or NODE_PATH).
      moduleObject = createRequire(path.join(TASK_ROOT, "index.js"))(match[1]);
    } else if (file.endsWith(".mjs") || (file.endsWith(".js") && isModuleScope(file))) {
      moduleObject = await import(pathToFileURL(file).href);
    } else {
      try {
        moduleObject = createRequire(file)(file);
      } catch (error) {
        if (error && error.code === "ERR_REQUIRE_ESM") moduleObject = await import(pathToFileURL(file).href);
        else throw error;
      }
    }
  } catch (error) {
    if (error && error.code === "MODULE_NOT_FOUND" && String(error.message).includes(match[1])) {
      throw namedError("Runtime.ImportModuleError", `Error: Cannot find module '${match[1]}'\nRequire stack:\n- ${process.argv[1]}`);
    }
    if (error instanceof SyntaxError) throw namedError("Runtime.UserCodeSyntaxError", `${error.name}: ${error.message}`);
    throw error;
  }
  let handler = moduleObject;
  for (const part of handlerPath.split(".")) {
    handler = handler == null ? undefined : handler[part];
  }
  if (handler === undefined && moduleObject && moduleObject.default) {
    handler = handlerPath.split(".").reduce((o, p) => (o == null ? undefined : o[p]), moduleObject.default);
  }
  if (typeof handler !== "function") {
    throw namedError("Runtime.HandlerNotFound", `${path.basename(HANDLER)} is undefined or not exported`);
  }
  return handler;
}

function isModuleScope(file) {
  let dir = path.dirname(file);
  while (true) {
    const pkg = path.join(dir, "package.json");
    if (fs.existsSync(pkg)) {
      try {
        return JSON.parse(fs.readFileSync(pkg, "utf8")).type === "module";
      } catch {
        return false;
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return false;
    dir = parent;
  }
}

// ---- streaming responses ------------------------------------------------------------------
globalThis.awslambda = {
  streamifyResponse(handler, options) {
    handler[HANDLER_STREAMING] = "response";
    return handler;
  },
  HttpResponseStream: {
    from(stream, metadata) {
      stream.setContentType("application/vnd.awslambda.http-integration-response");
      const prelude = Buffer.from(JSON.stringify(metadata ?? {}));
      stream.write(Buffer.concat([prelude, Buffer.alloc(8)]));
      return stream;
    },
  },
};

function streamingResponse(requestId) {
  let contentType = "application/octet-stream";
  let req = null;
  let done;
  const finished = new Promise((r) => (done = r));
  const open = () => {
    if (req) return req;
    req = http.request(
      {
        host: apiHost, port: apiPort, method: "POST", agent,
        path: `${BASE}/invocation/${requestId}/response`,
        headers: {
          "Lambda-Runtime-Function-Response-Mode": "streaming",
          "Transfer-Encoding": "chunked",
          "Content-Type": contentType,
          Trailer: "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body",
        },
      },
      (res) => { res.resume(); res.on("end", () => done()); },
    );
    req.on("error", () => done());
    return req;
  };
  const stream = new Writable({
    write(chunk, encoding, callback) { open().write(chunk, callback); },
    final(callback) { open().end(); callback(); },
  });
  stream.setContentType = (type) => { contentType = type; };
  stream.fail = (error) => {
    const r = open();
    const body = Buffer.from(JSON.stringify(errorBody(error))).toString("base64");
    r.addTrailers({ "Lambda-Runtime-Function-Error-Type": (error && error.name) || "Error", "Lambda-Runtime-Function-Error-Body": body });
    r.end();
  };
  return { stream, finished };
}

// ---- the loop ---------------------------------------------------------------------------------
function makeContext(headers, deadline, onDone) {
  const context = {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: headers["lambda-runtime-invoked-function-arn"],
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: headers["lambda-runtime-aws-request-id"],
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: (error, result) => onDone(error, result),
    succeed: (result) => onDone(null, result),
    fail: (error) => onDone(error ?? "handled"),
  };
  if (headers["lambda-runtime-client-context"]) {
    try { context.clientContext = JSON.parse(headers["lambda-runtime-client-context"]); } catch { /* ignore */ }
  }
  if (headers["lambda-runtime-cognito-identity"]) {
    try { context.identity = JSON.parse(headers["lambda-runtime-cognito-identity"]); } catch { /* ignore */ }
  }
  return context;
}

async function main() {
  let handler;
  try {
    handler = await loadHandler();
  } catch (error) {
    writeLog("ERROR", [util.inspect(error)]);
    await postError("/init/error", error, error instanceof UserCodeError ? error.name : undefined);
    process.exit(1);
  }
  const streaming = handler[HANDLER_STREAMING] === "response";
  for (;;) {
    const next = await request("GET", "/invocation/next");
    const requestId = next.headers["lambda-runtime-aws-request-id"];
    const deadline = Number(next.headers["lambda-runtime-deadline-ms"]);
    currentRequestId = requestId;
    process.env._X_AMZN_TRACE_ID = next.headers["lambda-runtime-trace-id"] || "";
    let event;
    try {
      event = JSON.parse(next.body.toString("utf8") || "null");
    } catch (error) {
      await postError(`/invocation/${requestId}/error`, namedError("Runtime.UnmarshalError", String(error)));
      continue;
    }
    if (streaming) {
      const { stream, finished } = streamingResponse(requestId);
      try {
        await handler(event, stream, makeContext(next.headers, deadline, () => {}));
        if (!stream.writableEnded) stream.end();
      } catch (error) {
        stream.fail(error);
      }
      await finished;
      continue;
    }
    const outcome = await new Promise((resolve) => {
      let settled = false;
      const finish = (error, result) => {
        if (settled) return;
        settled = true;
        resolve({ error, result });
      };
      const context = makeContext(next.headers, deadline, finish);
      try {
        const returned = handler(event, context, finish);
        if (returned && typeof returned.then === "function") returned.then((r) => finish(null, r), (e) => finish(e ?? "error"));
      } catch (error) {
        finish(error);
      }
    });
    if (outcome.error !== null && outcome.error !== undefined) {
      const error = outcome.error;
      writeLog("ERROR", ["Invoke Error", JSON.stringify(errorBody(error))]);
      await postError(`/invocation/${requestId}/error`, error);
    } else {
      const body = outcome.result === undefined ? "null" : JSON.stringify(outcome.result);
      await request("POST", `/invocation/${requestId}/response`, body ?? "null", { "Content-Type": "application/json" });
    }
  }
}

process.on("unhandledRejection", (reason) => {
  writeLog("ERROR", ["Unhandled Promise Rejection", util.inspect(reason)]);
  process.exit(128);
});

main().catch((error) => {
  writeLog("ERROR", [util.inspect(error)]);
  process.exit(1);
});
