// lead-score: a stagecraft custom action in AssemblyScript. It scores a
// lead from 0 to 100 from its amount, its source, the company's size and
// whether there is a phone number, and grades it A to D.
import { input, reply, fail, number, text, boolean, has, log, quote } from "./stagecraft";
export { stagecraft_alloc, abort } from "./stagecraft";

export function action_lead_score(ptr: usize, len: i32): i64 {
  const json = input(ptr, len);
  const amount = number(json, "amount", 0);
  const source = text(json, "source", "");
  if (amount < 0) return fail("amount must not be negative");

  let score: i32 = 5;
  if (amount >= 50000) score = 40;
  else if (amount >= 10000) score = 30;
  else if (amount >= 1000) score = 15;

  let fromSource: i32 = 5;
  if (source == "referral") fromSource = 30;
  else if (source == "web" || source == "form") fromSource = 20;
  else if (source == "ads") fromSource = 10;
  score += fromSource;

  if (has(json, "employees")) {
    const n = number(json, "employees", 0);
    score += n >= 250 ? 20 : n >= 50 ? 15 : n >= 10 ? 10 : 5;
  }
  if (boolean(json, "has_phone", false)) score += 10;
  if (score > 100) score = 100;

  const grade = score >= 80 ? "A" : score >= 60 ? "B" : score >= 40 ? "C" : "D";
  log("lead score " + score.toString() + " (source " + source + ": " + fromSource.toString() + ")");
  return reply('{"score":' + score.toString() + ',"grade":' + quote(grade) + "}");
}
