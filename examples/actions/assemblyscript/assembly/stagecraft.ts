// The whole SDK an AssemblyScript action needs (spec/wasm.md): copy it
// into your module. The host writes the inputs as a JSON object with its
// members in the manifest's order and no spaces; input() gives it as a
// string, and the helpers below read its members. reply() and fail()
// write the answer.

@external("stagecraft", "log")
declare function hostLog(ptr: usize, len: u32): void;

// Log writes a line to the call's log (kept on the item's timeline).
export function log(msg: string): void {
  const b = String.UTF8.encode(msg);
  hostLog(changetype<usize>(b), b.byteLength);
}

// abort is what the compiler calls on a failed assertion or a runtime
// error (build with --use abort=assembly/index/abort): it logs the message
// and traps, so the host reports a trap with the message in the log.
export function abort(message: string | null, file: string | null, line: u32, column: u32): void {
  log("abort: " + (message ? message : "") + " at " + (file ? file : "") + ":" + line.toString() + ":" + column.toString());
  unreachable();
}

// The host asks for a buffer, writes the inputs there and calls the action.
export function stagecraft_alloc(size: i32): usize {
  return heap.alloc(<usize>size + 1);
}

export function input(ptr: usize, len: i32): string {
  return String.UTF8.decodeUnsafe(ptr, <usize>len);
}

let out: ArrayBuffer = new ArrayBuffer(0);

// reply returns the outputs object (JSON text) as the ABI's reply.
export function reply(outputs: string): i64 {
  return answer('{"outputs":' + outputs + "}");
}

// fail returns the module's own error.
export function fail(message: string): i64 {
  return answer('{"error":' + quote(message) + "}");
}

function answer(json: string): i64 {
  out = String.UTF8.encode(json);
  return (<i64>changetype<usize>(out) << 32) | <i64>out.byteLength;
}

// quote writes a JSON string.
export function quote(s: string): string {
  let r = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 34) r += '\\"';
    else if (c == 92) r += "\\\\";
    else if (c < 32) r += "\\u00" + (c < 16 ? "0" : "") + c.toString(16);
    else r += String.fromCharCode(c);
  }
  return r + '"';
}

// at returns where the value of member name starts, or -1 when the input
// has no such member (an optional input left out).
function at(json: string, name: string): i32 {
  const key = '"' + name + '":';
  const i = json.indexOf(key);
  return i < 0 ? -1 : i + key.length;
}

export function has(json: string, name: string): bool {
  return at(json, name) >= 0;
}

// number reads a number (or money) member; def when it is absent.
export function number(json: string, name: string, def: f64): f64 {
  let i = at(json, name);
  if (i < 0) return def;
  let j = i;
  while (j < json.length) {
    const c = json.charCodeAt(j);
    if (!((c >= 48 && c <= 57) || c == 45 || c == 43 || c == 46 || c == 101 || c == 69)) break;
    j++;
  }
  return parseFloat(json.substring(i, j));
}

// text reads a text member, escapes decoded; def when it is absent.
export function text(json: string, name: string, def: string): string {
  let i = at(json, name);
  if (i < 0 || json.charCodeAt(i) != 34) return def;
  let r = "";
  for (i++; i < json.length; i++) {
    let c = json.charCodeAt(i);
    if (c == 34) break;
    if (c == 92) {
      i++;
      c = json.charCodeAt(i);
      if (c == 110) c = 10;
      else if (c == 116) c = 9;
      else if (c == 114) c = 13;
      else if (c == 98) c = 8;
      else if (c == 102) c = 12;
      else if (c == 117) {
        c = <i32>parseInt(json.substring(i + 1, i + 5), 16);
        i += 4;
      }
    }
    r += String.fromCharCode(c);
  }
  return r;
}

// boolean reads a bool member; def when it is absent.
export function boolean(json: string, name: string, def: bool): bool {
  const i = at(json, name);
  if (i < 0) return def;
  return json.charCodeAt(i) == 116; // 't'
}
