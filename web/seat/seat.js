// The seat console: live queue, accept, the video with every party, safety checklist, the shot
// list taken from the live video, the parties' data, verification, complete or hand-off; the
// call is recorded and stored as evidence (recorder.js).
import {
  $, CATEGORY_ZH, KIND_ZH, STATUS_ZH, api, clearErrors, events, fmtDuration, fmtTime, h,
  session, sha256Hex, showErrors, toast,
} from "/web/shared/kc.js";
import { oidcSignIn, submitLogin } from "/web/shared/staff.js";
import { VideoCall, play } from "/web/shared/video.js";
import { CallRecorder } from "/web/seat/recorder.js";

const auth = session("seat");
const token = () => auth.get()?.access_token;
let queueEntries = [];
let known = new Set();
let stopQueue = null;
let open = null; // { number, detail, call, recorder, tiles: Map(partyId -> {tile, video, state}) }
const kcSeat = (window.kcSeat = {});

function globalProblem(err) {
  const box = $("#problem-global");
  box.hidden = !err;
  box.textContent = err ? err.detail || String(err) : "";
}

// ------------------------------------------------------------------ login

$("#login-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  if (await submitLogin(e.target, "seat", auth)) start();  // password + TOTP, or the dev login
});
$("#logout").addEventListener("click", async () => { await closeCase(); auth.clear(); location.reload(); });

// ------------------------------------------------------------------ the queue

function renderQueue(out) {
  queueEntries = out.entries;
  const avg = out.average_answer_seconds;
  $("#queue-stats").textContent = `排队 ${out.entries.length} 起` + (avg !== null && avg !== undefined ? ` · 近${out.sample_size}起平均接听 ${fmtDuration(avg)}` : "");
  if (!out.entries.length) { $("#queue").replaceChildren(h("p", { class: "empty" }, "暂无排队报警")); known = new Set(); return; }
  const rows = out.entries.map((e) => h("tr", { class: known.has(e.case_number) ? "" : "new", "data-case": e.case_number },
    h("td", {}, h("strong", {}, `#${e.position}`)),
    h("td", {}, h("div", { class: "mono" }, e.case_number), h("div", { class: "small muted" }, `${e.area || e.district || "—"} · ${CATEGORY_ZH[e.category] || "—"}`),
      h("div", { class: "small" }, "已等待 ", h("span", { "data-waiting": e.reported_at }, fmtDuration((Date.now() - new Date(e.reported_at)) / 1000)),
        e.estimated_wait_seconds !== null ? ` · 预计 ${fmtDuration(e.estimated_wait_seconds)}` : "",
        e.answer_deadline ? ` · 须于 ${fmtTime(e.answer_deadline)} 前接听` : "")),
    h("td", {}, h("button", { type: "button", class: "primary small", "aria-label": `接听案件 ${e.case_number}`, onclick: () => accept(e.case_number), disabled: Boolean(open) }, "接听"))));
  known = new Set(out.entries.map((e) => e.case_number));
  $("#queue").replaceChildren(h("table", {}, h("caption", { class: "sr-only" }, "排队报警"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "排位"), h("th", { scope: "col" }, "案件"), h("th", { scope: "col" }, h("span", { class: "sr-only" }, "操作")))),
    h("tbody", {}, ...rows)));
}

setInterval(() => {
  document.querySelectorAll("[data-waiting]").forEach((el) => { el.textContent = fmtDuration((Date.now() - new Date(el.dataset.waiting)) / 1000); });
}, 1000);

function listenQueue() {
  stopQueue?.();
  stopQueue = events("/seat/queue/events", (name, data) => { if (name === "queue") renderQueue(data); }, token(), {
    onState: (s) => {
      const live = $("#live");
      live.textContent = s === "open" ? "实时" : "重连中";
      live.className = `badge ${s === "open" ? "ok" : "warn"}`;
    },
  });
}

// ------------------------------------------------------------------ accept and open a case

async function accept(number) {
  globalProblem(null);
  try {
    const out = await api(`/seat/cases/${number}/accept`, { method: "POST", auth: token() });
    await openCase(number, out.video);
  } catch (err) { globalProblem(err); }
}

async function openCase(number, access) {
  await closeCase();
  const detail = await api(`/seat/cases/${number}`, { auth: token() });
  open = { number, detail, tiles: new Map(), shots: [] };
  kcSeat.caseNumber = number;
  sessionStorage.setItem("kuaichu.seat.case", number);
  $("#no-case").hidden = true;
  $("#case-pane").hidden = false;
  $("#side").hidden = false;
  $("#case-number").textContent = number;
  renderHeader(detail);
  renderTiles(detail);
  renderShots();
  renderPartyForm(detail.parties);
  renderSafety(detail.case);
  await renderScene(detail.case);
  $("#verification").replaceChildren();
  renderQueue({ entries: queueEntries, sample_size: 0 });
  renderMine();
  await loadEvidence();
  try { await CallRecorder.finishLeftovers(number, token()); } catch { /* nothing left over */ }

  const call = new VideoCall({ role: "seat" });
  open.call = kcSeat.call = call;
  call.addEventListener("local", (e) => play($("#self-video"), e.detail.stream, { muted: true }));
  call.addEventListener("track", (e) => {
    const pid = partyOf(e.detail.id);
    const t = open?.tiles.get(pid);
    if (!t) return;
    play(t.video, e.detail.stream);
    t.placeholder.hidden = true;
    setTileState(pid, "ok", "视频正常");
    open.recorder?.addAudio(e.detail.id, e.detail.stream);
  });
  call.addEventListener("peer-left", (e) => {
    const pid = partyOf(e.detail.id || "");
    const t = open?.tiles.get(pid);
    if (!t) return;
    t.video.srcObject = null;
    t.placeholder.hidden = false;
    t.placeholder.textContent = "当事人视频已中断，等待其“继续处理”…";
    setTileState(pid, "bad", "已断开");
    open.recorder?.removeAudio(e.detail.id);
  });
  call.addEventListener("peer-state", (e) => {
    const pid = partyOf(e.detail.id);
    if (e.detail.remote) setTileNote(pid, e.detail.remote.muted ? "已静音" : "");
    if (e.detail.state === "failed") setTileState(pid, "bad", "连接失败");
  });
  call.addEventListener("state", (e) => {
    $("#call-state").textContent = { connecting: "正在连接视频服务…", joined: "视频服务已连接", dropped: "视频服务连接中断，正在重连…", over: "视频取证已结束", replaced: "已在其他页面打开本案" }[e.detail.state] || "";
    if (e.detail.state === "dropped" && open?.call === call) setTimeout(() => rejoin(call), 2000);
  });
  await call.join(access || (await api(`/seat/cases/${number}/video-token`, { method: "POST", auth: token() })));
  startRecording();
}

async function rejoin(call) {
  if (!open || open.call !== call || call.state !== "dropped") return;
  try { await call.join(await api(`/seat/cases/${open.number}/video-token`, { method: "POST", auth: token() })); } catch (err) { globalProblem(err); }
}

async function startRecording() {
  if (!open || open.recorder) return;
  const recorder = new CallRecorder({ caseNumber: open.number, auth: token(), tiles: () => [...open.tiles.values()].map((t) => ({ video: t.video, label: t.label })) });
  open.recorder = kcSeat.recorder = recorder;
  recorder.addEventListener("progress", (e) => {
    const s = e.detail;
    $("#rec-status").replaceChildren(s.recording
      ? h("span", { class: "rec" }, `录像中 · 已上传 ${s.chunks} 段 ${size(s.bytes)}${s.failures ? ` · 网络重试${s.failures}` : ""}`)
      : h("span", { class: "muted" }, `录像已停止（${s.chunks} 段）`));
  });
  try {
    await recorder.start();
    for (const peer of open?.call?.peers.values() || []) if (peer.stream) recorder.addAudio(peer.id, peer.stream); // joined meanwhile
  } catch (err) { $("#rec-status").textContent = `无法录像：${err.detail || err.message}`; }
}

$("#close-case").addEventListener("click", async () => {
  await closeCase();
  sessionStorage.removeItem("kuaichu.seat.case");
  $("#case-pane").hidden = true;
  $("#side").hidden = true;
  $("#no-case").hidden = false;
  $("#self-video").hidden = false;
  $("#mute").hidden = false;
  $("#close-case").hidden = true;
  document.querySelectorAll("#side input, #side textarea, #side button, #shots button, #shot-source").forEach((el) => { el.disabled = false; });
  renderMine();
  renderQueue({ entries: queueEntries, sample_size: 0 });
});

async function closeCase() {
  if (!open) return;
  const o = open;
  open = null;
  try { await o.recorder?.stop(); } catch { /* finished on reopening */ }
  o.call?.leave({ release: true });
}

const size = (bytes) => (bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MB` : `${Math.round(bytes / 1024)} KB`);

function renderMine() {
  $("#mine").replaceChildren(open
    ? h("p", { class: "small" }, h("span", { class: "mono" }, open.number), " ", h("span", { class: "badge" }, STATUS_ZH[open.detail.case.status] || ""))
    : h("p", { class: "empty small" }, "无"));
}

/** The video phase of the open case is over (completed or handed off): what remains is a record. */
function endCase(view, recording) {
  open.detail.case = view;
  open.ended = true;
  renderHeader(open.detail);
  renderMine();
  open.call?.leave({ release: true });
  for (const t of open.tiles.values()) {
    t.video.srcObject = null;
    t.placeholder.hidden = false;
    t.placeholder.textContent = "视频取证已结束";
    t.stateEl.className = "badge state";
    t.stateEl.textContent = "已结束";
  }
  $("#self-video").hidden = true;
  $("#mute").hidden = true;
  $("#call-state").replaceChildren(recording
    ? h("span", {}, "通话录像已保存为证据：", h("span", { class: "mono", "data-recording-sha": recording.evidence.sha256 }, `SHA-256 ${recording.evidence.sha256}`), `（${size(recording.size_bytes)}）`)
    : "本案无通话录像");
  document.querySelectorAll("#side input, #side textarea, #side button, #shots button, #shot-source").forEach((el) => { el.disabled = true; });
  $("#close-case").hidden = false;
  $("#close-case").disabled = false;
  $("#close-case").focus();
}

function partyOf(identity) { const m = identity.match(/-(P\d+)$/); return m ? m[1] : ""; }

function renderHeader(detail) {
  const c = detail.case;
  $("#case-status").textContent = STATUS_ZH[c.status] || c.status;
  $("#case-meta").textContent = `${c.district || ""} · 报警 ${fmtTime(c.reported_at)} · ${c.next_action}`;
}

function renderTiles(detail) {
  const box = $("#videos");
  box.replaceChildren();
  for (const p of detail.parties) {
    const label = `${p.party_id} ${p.name}${p.plate ? " " + p.plate : ""}`;
    const video = h("video", { autoplay: true, playsinline: true, "aria-label": `${label} 的视频画面`, "data-party": p.party_id });
    const placeholder = h("div", { class: "placeholder" }, "等待当事人接入视频…");
    const state = h("span", { class: "badge warn state" }, "未接入");
    const note = h("span", { class: "badge note", hidden: true });
    const tile = h("div", { class: "tile", "data-tile": p.party_id }, video, placeholder, h("span", { class: "name" }, label), state, note);
    box.append(tile);
    open.tiles.set(p.party_id, { tile, video, placeholder, stateEl: state, note, label });
  }
  const select = $("#shot-source");
  select.replaceChildren(...detail.parties.map((p) => h("option", { value: p.party_id }, `截图画面：${p.party_id} ${p.name}`)));
}

function setTileState(pid, kind, text) {
  const t = open?.tiles.get(pid);
  if (!t) return;
  t.stateEl.className = `badge ${kind} state`;
  t.stateEl.textContent = text;
}
function setTileNote(pid, text) {
  const t = open?.tiles.get(pid);
  if (!t) return;
  t.note.hidden = !text;
  t.note.textContent = text;
}

// ------------------------------------------------------------------ the shot list

function shotItems() {
  const items = [
    { kind: "overview_front", party: "" }, { kind: "overview_rear", party: "" }, { kind: "impact_point", party: "" },
    ...open.detail.parties.filter((p) => p.plate).map((p) => ({ kind: "plate", party: p.party_id })),
    { kind: "group_photo", party: "" },
    ...open.detail.parties.map((p) => ({ kind: "document", party: p.party_id, optional: true })),
  ];
  return items.map((i) => ({ ...i, key: `${i.kind}:${i.party}`, label: `${KIND_ZH[i.kind]}${i.party ? ` ${i.party}` : ""}` }));
}

function renderShots() {
  const list = $("#shots");
  list.replaceChildren(...shotItems().map((item) => {
    const done = open.shots.find((s) => s.key === item.key);
    return h("li", { class: `shot${done ? " done" : ""}`, "data-shot": item.key },
      done ? h("img", { src: done.thumb, alt: `${item.label} 截图` }) : h("div", { class: "thumb" }, item.optional ? "选拍" : "必拍"),
      h("div", {}, h("strong", {}, item.label),
        done ? h("div", { class: "mono", "data-sha": done.sha256 }, `SHA-256 ${done.sha256}`) : h("div", { class: "muted small" }, item.party ? `请对准 ${item.party} 的${KIND_ZH[item.kind]}` : "请引导当事人对准拍摄"),
        done ? h("div", {}, h("span", { class: `badge ${done.verified ? "ok" : "bad"}` }, done.verified ? "存储文件校验一致" : "校验不一致"), " ", h("span", { class: "small muted" }, `${Math.round(done.size / 1024)} KB`)) : null),
      h("button", { type: "button", class: `small${done ? "" : " primary"}`, "aria-label": `截图：${item.label}`, onclick: () => takeShot(item) }, done ? "重拍" : "截图"));
  }));
}

async function loadEvidence() {
  try {
    const items = await api(`/seat/cases/${open.number}/evidence`, { auth: token() });
    for (const e of items) {
      if (e.kind === "recording") continue;
      const key = `${e.kind}:${e.party_id}`;
      if (open.shots.some((s) => s.key === key) || !e.file_url) continue;
      const blob = await api(e.file_url, { auth: token() });
      open.shots.push({ key, sha256: e.sha256, size: e.size_bytes, thumb: URL.createObjectURL(blob), verified: (await sha256Hex(blob)) === e.sha256 });
    }
    renderShots();
  } catch { /* shown as not taken */ }
}

async function takeShot(item) {
  const source = item.party && open.tiles.get(item.party)?.video.readyState >= 2 ? item.party : $("#shot-source").value;
  const video = open.tiles.get(source)?.video;
  if (!video || video.readyState < 2 || !video.videoWidth) { toast(`${source} 的视频画面尚未接通，无法截图`); return; }
  const canvas = h("canvas", { width: video.videoWidth, height: video.videoHeight });
  canvas.getContext("2d").drawImage(video, 0, 0);
  const blob = await new Promise((r) => canvas.toBlob(r, "image/jpeg", 0.92));
  const form = new FormData();
  form.append("file", blob, `${item.kind}.jpg`);
  form.append("kind", item.kind);
  form.append("party_id", item.party);
  try {
    const out = await api(`/seat/cases/${open.number}/evidence`, { method: "POST", form, auth: token() });
    const ref = out.evidence;
    const stored = await api(`/seat/cases/${open.number}/evidence/${ref.evidence_id}/file`, { auth: token() });
    const verified = (await sha256Hex(stored)) === ref.sha256 && (await sha256Hex(blob)) === ref.sha256;
    open.shots = open.shots.filter((s) => s.key !== item.key);
    open.shots.push({ key: item.key, sha256: ref.sha256, size: out.size_bytes, thumb: URL.createObjectURL(stored), verified });
    renderShots();
    toast(`${item.label} 已保存`);
  } catch (err) { globalProblem(err); }
}

// ------------------------------------------------------------------ safety

function renderSafety(view) {
  const done = view.safety_checked;
  if (done) ["#s-lights", "#s-triangle", "#s-people"].forEach((s) => { $(s).checked = true; });
  $("#safety-state").textContent = done ? "安全检查已记录" : "逐项确认后自动记录";
}
for (const id of ["#s-lights", "#s-triangle", "#s-people"]) {
  $(id).addEventListener("change", async () => {
    if (!open) return;
    try {
      await api(`/seat/cases/${open.number}/safety`, { method: "POST", auth: token(), body: { hazard_lights: $("#s-lights").checked, warning_triangle: $("#s-triangle").checked, people_off_carriageway: $("#s-people").checked } });
      const all = $("#s-lights").checked && $("#s-triangle").checked && $("#s-people").checked;
      $("#safety-state").textContent = all ? "安全检查已全部确认" : "已记录，尚有未确认项";
    } catch (err) { globalProblem(err); }
  });
}

// ------------------------------------------------------------------ scene: weather, road surface, accident time

let sceneCodes = null;
function localInput(iso) {  // an ISO time -> the datetime-local value in Beijing time
  const d = new Date(new Date(iso).getTime() + 8 * 3600 * 1000);
  return d.toISOString().slice(0, 16);
}
async function renderScene(view) {
  if (!sceneCodes) {
    sceneCodes = await api("/seat/scene-codes", { auth: token() });
    $("#sc-weather").append(h("option", { value: "" }, "请选择天气"), ...sceneCodes.weather.map((c) => h("option", { value: c.code }, c.name)));
    $("#sc-road").append(h("option", { value: "" }, "请选择路面状况"), ...sceneCodes.road_surfaces.map((c) => h("option", { value: c.code }, c.name)));
  }
  $("#sc-weather").value = view.weather || "";
  $("#sc-road").value = view.road_surface || "";
  $("#sc-time").value = view.accident_time ? localInput(view.accident_time) : "";
  $("#scene-state").textContent = view.weather ? "已记录" : "请记录事故发生时的天气和路面状况";
}
$("#scene-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  if (!open) return;
  const form = $("#scene-form");
  clearErrors(form);
  const time = $("#sc-time").value;
  const body = { weather: $("#sc-weather").value, road_surface: $("#sc-road").value };
  const before = open.detail.case.accident_time;
  if (time && (!before || time !== localInput(before))) body.accident_time = `${time}:00+08:00`;
  try {
    const view = await api(`/seat/cases/${open.number}/scene`, { method: "PUT", auth: token(), body });
    open.detail.case = view;
    await renderScene(view);
    $("#scene-state").textContent = "事故情况已保存";
  } catch (err) { showErrors(form, err); }
});

// ------------------------------------------------------------------ parties

const FIELDS = [
  ["name", "姓名", "name", { maxlength: 64 }], ["phone", "手机号码", "phone", { maxlength: 24, inputmode: "numeric" }],
  ["id_number", "身份证号码", "id_number", { maxlength: 18 }], ["licence_number", "驾驶证档案编号", "licence_number", { maxlength: 12, inputmode: "numeric" }],
  ["plate", "号牌号码", "vehicle.plate", { maxlength: 10 }], ["vehicle_type", "车辆类型", "vehicle.vehicle_type", { maxlength: 32 }],
];

function renderPartyForm(parties) {
  $("#party-fields").replaceChildren(...parties.map((p) => h("fieldset", { "data-party": p.party_id, "data-kind": p.kind },
    h("legend", {}, `${p.party_id} ${{ motor_driver: "机动车驾驶人", non_motor: "非机动车/行人", property_owner: "财物所有人" }[p.kind] || p.kind}`),
    h("div", { class: "party-grid" }, ...FIELDS.filter(([f]) => p.kind === "motor_driver" || !["licence_number", "plate", "vehicle_type"].includes(f)).map(([f, label, path, attrs]) => {
      const id = `f-${p.party_id}-${f}`;
      return h("div", { class: `field${f === "id_number" ? " wide" : ""}` }, h("label", { for: id }, label),
        h("input", { id, value: p[f] || (f === "vehicle_type" && p.kind === "motor_driver" ? "小型普通客车" : ""), "data-field": `${p.party_id}.${path}`, "aria-describedby": `${id}-err`, ...attrs }),
        h("div", { class: "error", id: `${id}-err` }));
    })))));
  open.insurers = Object.fromEntries(parties.map((p) => [p.party_id, p.insurer_name]));
}

function readParties() {
  return [...document.querySelectorAll("#party-fields fieldset")].map((fs) => {
    const pid = fs.dataset.party;
    const v = (f) => fs.querySelector(`#f-${pid}-${f}`)?.value.trim() || "";
    const party = { party_id: pid, kind: fs.dataset.kind, name: v("name"), phone: v("phone"), id_number: v("id_number"), licence_number: v("licence_number") };
    if (fs.dataset.kind === "motor_driver" && v("plate")) {
      party.vehicle = { plate: v("plate").toUpperCase(), vehicle_type: v("vehicle_type") || "小型普通客车" };
      if (open.insurers[pid]) party.vehicle.insurance = { insurer_name: open.insurers[pid] };
    }
    return party;
  });
}

const CODE_FIELD = { INVALID_PLATE: "vehicle.plate", PLATE_NOT_ELIGIBLE: "vehicle.plate", INVALID_MOBILE: "phone", INVALID_RESIDENT_ID: "id_number", INVALID_LICENCE_NUMBER: "licence_number", MISSING_LICENCE_NUMBER: "licence_number", INVALID_NAME: "name", MISSING_VEHICLE: "vehicle.plate" };
const pydanticField = (f) => f.replace(/^body\./, "").replace(/^parties\.(\d+)\./, (_, i) => `P${+i + 1}.`).replace(/\.vehicle$/, ".vehicle.plate");

$("#party-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = e.target;
  clearErrors(form);
  const body = { parties: readParties() };
  try {
    await api(`/seat/cases/${open.number}/parties/check`, { method: "POST", auth: token(), body });
    await api(`/seat/cases/${open.number}/parties`, { method: "PUT", auth: token(), body });
    open.detail = await api(`/seat/cases/${open.number}`, { auth: token() });
    $("#party-state").textContent = `已保存 ${fmtTime(new Date().toISOString())}`;
    toast("当事人信息已保存");
  } catch (err) {
    const m = err.detail?.match(/当事人(P\d+)：/);
    if (!err.errors.length && CODE_FIELD[err.code] && m) err.errors = [{ field: `${m[1]}.${CODE_FIELD[err.code]}`, reason: err.detail }];
    showErrors(form, err, pydanticField);
    $("#party-state").textContent = "";
  }
});

// ------------------------------------------------------------------ complete, hand-off, verification

const CHECK_ZH = { valid: ["有效", "ok"], expired: ["已过期", "bad"], suspended: ["暂扣/停用", "bad"], wrong_class: ["准驾车型不符", "bad"], not_found: ["未查到", "bad"], uninsured: ["未投保", "bad"], scrapped: ["已报废", "bad"], inspection_overdue: ["未按期检验", "bad"] };
function badge(status) { const [t, k] = CHECK_ZH[status] || [status || "—", "warn"]; return h("span", { class: `badge ${k}` }, t); }

async function showVerification() {
  const rows = await api(`/seat/cases/${open.number}/verification`, { auth: token() });
  $("#verification").replaceChildren(h("h3", { class: "gap-top" }, "信息核验结果"),
    h("table", {}, h("thead", {}, h("tr", {}, ...["当事人", "驾驶证", "车辆", "交强险"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, ...rows.filter((r) => r.checked).map((r) => h("tr", {}, h("td", {}, r.party_id), h("td", {}, badge(r.result.licence)), h("td", {}, badge(r.result.vehicle)),
        h("td", {}, badge(r.result.insurance), r.result.insurer_name ? h("div", { class: "small muted" }, r.result.insurer_name) : null))))),
    ...rows.flatMap((r) => (r.result.refusals || []).map((x) => h("p", { class: "notice bad small" }, x.reason))));
}

async function finishCall() {
  const result = await open.recorder?.stop();
  if (result) toast(`通话录像已保存（SHA-256 ${result.evidence.sha256.slice(0, 12)}…）`);
  kcSeat.recording = result;
  return result;
}

$("#complete").addEventListener("click", async () => {
  const box = $("#finish-problem");
  box.hidden = true;
  const button = $("#complete");
  button.disabled = true;
  button.textContent = "正在保存录像并核验…";
  try {
    await finishCall();
    const view = await api(`/seat/cases/${open.number}/complete`, { method: "POST", auth: token() });
    await showVerification();
    endCase(view, kcSeat.recording);
    toast(view.status === "awaiting_decision" ? "取证完成，核验通过，已通知当事人撤离" : `案件状态：${STATUS_ZH[view.status]}`);
  } catch (err) {
    box.hidden = false;
    box.textContent = err.detail;
    box.focus();
    if (open?.recorder?.stopped) { open.recorder = null; startRecording(); } // the call goes on: a new recording part
  } finally {
    button.disabled = Boolean(open?.ended);
    button.textContent = "完成取证并核验";
  }
});

$("#handoff").addEventListener("click", async () => {
  const reason = $("#handoff-reason").value.trim();
  if (!reason) { $("#handoff-reason").setAttribute("aria-invalid", "true"); $("#handoff-reason").focus(); return; }
  try {
    await finishCall();
    const view = await api(`/seat/cases/${open.number}/hand-off`, { method: "POST", auth: token(), body: { reason } });
    endCase(view, kcSeat.recording);
    toast("已转交警现场处理");
  } catch (err) { globalProblem(err); }
});

$("#correct").addEventListener("click", async () => {
  const body = { address: $("#cx-address").value.trim(), description: $("#cx-account").value.trim(), reason: $("#cx-reason").value.trim() };
  try {
    await api(`/seat/cases/${open.number}/correction`, { method: "POST", auth: token(), body });
    toast("更正已记录");
  } catch (err) { globalProblem(err); }
});

$("#mute").addEventListener("click", (e) => {
  if (!open?.call) return;
  const muted = !open.call.muted;
  open.call.setMuted(muted);
  e.target.setAttribute("aria-pressed", String(muted));
  e.target.textContent = muted ? "取消静音" : "静音";
});

// ------------------------------------------------------------------ start

async function start() {
  const who = auth.get();
  $("#view-login").hidden = Boolean(who);
  $("#view-desk").hidden = !who;
  $("#logout").hidden = !who;
  if (!who) { $("#staff-id").focus(); return; }
  $("#who").textContent = `坐席 ${who.sub}`;
  listenQueue();
  const mine = sessionStorage.getItem("kuaichu.seat.case");
  if (mine) {
    try {
      const detail = await api(`/seat/cases/${mine}`, { auth: token() });
      if (detail.case.status === "in_video" && detail.case.seat_id === who.sub) await openCase(mine);
      $("#mine").replaceChildren(h("p", { class: "small" }, h("span", { class: "mono" }, mine), ` ${STATUS_ZH[detail.case.status]}`));
    } catch { sessionStorage.removeItem("kuaichu.seat.case"); }
  }
}
start();
oidcSignIn($("#login-form"), "seat", auth).then((done) => { if (done) start(); });
