// 快处 kuaichu: the pages' one helper for the API (ES module, no build step).
//   api(path, {method, body, form, raw, auth})  JSON in/out; throws ApiError built from problem+json
//   session(role)                               the login of this tab for a role (sessionStorage)
//   devLogin / smsCode / smsLogin               logins (the dev login exists in embedded runs only)
//   showErrors(form, err, mapField)             an ApiError's field errors at the fields, the rest on top
//   events(path, onEvent, auth)                 Server-Sent Events over fetch (the token in a header)
//   h(tag, attrs, ...children)                  a small DOM builder; fmt* helpers for the Chinese UI

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || `请求失败（${status}）`);
    this.status = status;
    this.code = problem.code || "ERROR";
    this.detail = problem.detail || this.message;
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
    this.problem = problem;
  }
}

const KEY = "kuaichu.session.";

export function session(role) {
  return {
    get() {
      try { return JSON.parse(sessionStorage.getItem(KEY + role) || "null"); } catch { return null; }
    },
    set(value) { sessionStorage.setItem(KEY + role, JSON.stringify(value)); },
    clear() { sessionStorage.removeItem(KEY + role); },
  };
}

export async function api(path, { method = "GET", body, form, raw, auth, headers = {} } = {}) {
  const h = { Accept: "application/json, application/problem+json", ...headers };
  if (auth) h.Authorization = `Bearer ${auth}`;
  let payload;
  if (form) payload = form;
  else if (raw !== undefined) { payload = raw; h["Content-Type"] = "application/octet-stream"; }
  else if (body !== undefined) { payload = JSON.stringify(body); h["Content-Type"] = "application/json"; }
  let res;
  try {
    res = await fetch(path, { method, headers: h, body: payload });
  } catch {
    throw new ApiError(0, { code: "NETWORK", detail: "网络连接失败，请检查网络后重试" });
  }
  const type = res.headers.get("content-type") || "";
  if (!res.ok) {
    let problem = {};
    if (type.includes("json")) { try { problem = await res.json(); } catch { /* empty body */ } }
    throw new ApiError(res.status, problem);
  }
  if (res.status === 204) return null;
  return type.includes("json") ? res.json() : res.blob();
}

export async function devLogin(role, id, phone = "") {
  return api("/auth/dev-login", { method: "POST", body: { role, id, phone } });
}
export async function smsCode(phone) {
  return api("/auth/sms-code", { method: "POST", body: { phone } });
}
export async function smsLogin(phone, code) {
  return api("/auth/sms-login", { method: "POST", body: { phone, code } });
}

// ---------------------------------------------------------------- errors at the fields

/** Shows an ApiError: each error whose field maps to an element [data-field] of `form` next to
 *  it (aria-invalid + the message in its .error), the rest in the form's [data-role=problem]. */
export function showErrors(form, err, mapField = (f) => f) {
  clearErrors(form);
  const box = form.querySelector("[data-role=problem]");
  const general = [];
  for (const e of err.errors || []) {
    const name = mapField(e.field || "");
    const input = name && form.querySelector(`[data-field="${CSS.escape(name)}"]`);
    const text = e.reason ? e.reason + (e.advice ? ` ${e.advice}` : "") : e.message || "";
    if (input) {
      input.setAttribute("aria-invalid", "true");
      const slot = document.getElementById(input.getAttribute("aria-describedby")?.split(" ")[0] || "");
      if (slot) slot.textContent = text;
    } else if (text) general.push(text);
  }
  if (box) {
    box.hidden = false;
    box.replaceChildren(h("strong", {}, err.detail), ...(general.length ? [h("ul", {}, ...general.map((t) => h("li", {}, t)))] : []));
  }
  const first = form.querySelector("[aria-invalid=true]");
  (first || box)?.focus?.();
}

export function clearErrors(form) {
  form.querySelectorAll("[aria-invalid=true]").forEach((el) => el.removeAttribute("aria-invalid"));
  form.querySelectorAll(".error").forEach((el) => (el.textContent = ""));
  const box = form.querySelector("[data-role=problem]");
  if (box) { box.hidden = true; box.replaceChildren(); }
}

// ---------------------------------------------------------------- live updates

/** Reads a text/event-stream with fetch (the token goes in the Authorization header) and calls
 *  onEvent(name, data) per event; reconnects after a drop. Returns a function that stops it. */
export function events(path, onEvent, auth, { onState } = {}) {
  let stopped = false;
  let controller;
  const run = async () => {
    while (!stopped) {
      controller = new AbortController();
      try {
        const res = await fetch(path, { headers: { Authorization: `Bearer ${auth}`, Accept: "text/event-stream" }, signal: controller.signal });
        if (!res.ok) { onState?.("error", res.status); if (res.status === 401 || res.status === 403 || res.status === 404) return; throw new Error(); }
        onState?.("open");
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let cut;
          while ((cut = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            let name = "message", data = "";
            for (const line of block.split("\n")) {
              if (line.startsWith("event: ")) name = line.slice(7);
              else if (line.startsWith("data: ")) data += line.slice(6);
            }
            if (data) { try { onEvent(name, JSON.parse(data)); } catch (e) { console.error(e); } }
          }
        }
      } catch { /* dropped: reconnect below */ }
      if (!stopped) { onState?.("reconnecting"); await sleep(1000); }
    }
  };
  run();
  return () => { stopped = true; controller?.abort(); };
}

// ---------------------------------------------------------------- DOM and formatting

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "text") el.textContent = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

export const $ = (sel, root = document) => root.querySelector(sel);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function fmtDuration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}秒`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}分${String(s % 60).padStart(2, "0")}秒`;
  return `${Math.floor(m / 60)}小时${m % 60}分`;
}

const TZ = { timeZone: "Asia/Shanghai", hourCycle: "h23" };
export function fmtTime(iso) {
  if (!iso) return "—";
  return new Date(iso).toLocaleString("zh-CN", { ...TZ, month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
}
export function fmtDateTime(iso) {
  if (!iso) return "—";
  return new Date(iso).toLocaleString("zh-CN", { ...TZ, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
}

/** A deadline that ends at 24:00 (stored as the next day's 00:00) reads as "…日 24:00". */
export function fmtDeadline(iso) {
  if (!iso) return "—";
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-CA", { ...TZ, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" })
    .formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  if ((parts.hour === "00" || parts.hour === "24") && parts.minute === "00") {
    const before = new Date(new Date(iso).getTime() - 60_000);
    return `${before.toLocaleDateString("zh-CN", { ...TZ, year: "numeric", month: "long", day: "numeric" })} 24:00`;
  }
  return fmtDateTime(iso);
}

export async function sha256Hex(blob) {
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export function toast(text, ms = 3500) {
  let box = document.querySelector(".toasts");
  if (!box) { box = h("div", { class: "toasts", role: "status", "aria-live": "polite" }); document.body.append(box); }
  const el = h("div", { class: "toast" }, text);
  box.append(el);
  while (box.children.length > 2) box.firstChild.remove();
  setTimeout(() => el.remove(), ms);
}

// the domain's labels, generated from their one declaration (api/pages.py)
export {
  CATEGORY_ZH, KIND_ZH, LIABILITY_ZH, NEXT_ACTION_ZH, NOTICE_KIND_ZH, PARTY_KIND_ZH, STATUS_ZH,
} from "/web/shared/labels.js";
