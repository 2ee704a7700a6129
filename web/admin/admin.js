// The admin console: the staff accounts (several roles each; disable, revoke sessions, TOTP), the SMS outbox, the pilot area drawn as SVG (no map tiles: it works on the
// intranet), the service hours and effective settings (read-only), the holiday calendar (view, load).
import { $, api, clearErrors, fmtDateTime, h, showErrors, toast } from "/web/shared/kc.js";
import { fieldOf, globalProblem, staffLogin } from "/web/shared/staff.js";

const SVG = "http://www.w3.org/2000/svg";
const STATUS = { queued: ["待发送", "warn"], sent: ["已发送", "ok"], delivered: ["已送达", "ok"], failed: ["失败", "bad"] };
const WEEKDAYS = { 1: "周一", 2: "周二", 3: "周三", 4: "周四", 5: "周五", 6: "周六", 7: "周日" };

const ROLE_ZH = { seat: "坐席", officer: "民警", reviewer: "复核", dispatcher: "调度", admin: "管理员", ops: "运维" };

const token = staffLogin("admin", () => {
  Promise.all([loadStaff(), loadSms(), loadArea(), loadSettings(), loadCalendar()]).catch(globalProblem);
});

// ---------------------------------------------------------------- staff accounts

let editing = null; // the staff id whose roles and district the form changes, or null: a new account

function roleBoxes() {
  const box = $("#staff-roles");
  if (box.querySelector("input")) return;
  box.insertBefore(h("div", { class: "row" }, ...Object.entries(ROLE_ZH).map(([value, label]) =>
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "staff-role", value }), ` ${label}`))), $("#staff-roles-err"));
}

async function loadStaff() {
  roleBoxes();
  const [rows, area] = await Promise.all([api("/admin/staff", { auth: token() }), api("/admin/pilot-area", { auth: token() })]);
  const districts = ["*", ...new Set((area.features || []).map((f) => f.properties?.district).filter(Boolean))];
  const select = $("#staff-new-district");
  if (!select.options.length) select.replaceChildren(...districts.map((d) => h("option", { value: d }, d === "*" ? "全市（*）" : d)));
  if (!rows.length) { $("#staff").replaceChildren(h("p", { class: "empty" }, "暂无账号")); return; }
  $("#staff").replaceChildren(h("table", { id: "staff-table" }, h("caption", { class: "sr-only" }, "工作人员账号"),
    h("thead", {}, h("tr", {}, ...["工号", "姓名", "岗位", "辖区", "状态", "操作"].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, ...rows.map((r) => h("tr", { "data-staff": r.staff_id },
      h("td", { class: "mono" }, r.staff_id), h("td", {}, r.display_name),
      h("td", { class: "roles" }, r.roles.map((x) => ROLE_ZH[x] || x).join("、")), h("td", {}, r.district),
      h("td", {}, h("span", { class: `badge ${r.disabled ? "bad" : "ok"}` }, r.disabled ? "已停用" : "正常"),
        r.totp_enrolled ? null : h("div", { class: "small muted" }, "未绑定动态口令")),
      h("td", { class: "nowrap" },
        h("button", { type: "button", class: "small", onclick: () => editStaff(r) }, "修改岗位"), " ",
        h("button", { type: "button", class: "small", onclick: () => staffAction(r, r.disabled ? "enable" : "disable") }, r.disabled ? "启用" : "停用"), " ",
        h("button", { type: "button", class: "small", onclick: () => staffAction(r, "revoke-sessions") }, "强制下线"), " ",
        h("button", { type: "button", class: "small", onclick: () => enrol(r.staff_id) }, "绑定动态口令")))))));
}

async function staffAction(row, action) {
  try {
    await api(`/admin/staff/${encodeURIComponent(row.staff_id)}/${action}`, { method: "POST", auth: token() });
    toast({ disable: "账号已停用", enable: "账号已启用", "revoke-sessions": "该账号已在所有设备下线" }[action]);
    await loadStaff();
  } catch (err) { globalProblem(err); }
}

async function enrol(staffId) {
  try {
    const out = await api(`/admin/staff/${encodeURIComponent(staffId)}/totp`, { method: "POST", auth: token() });
    const box = $("#staff-enrolment");
    box.hidden = false;
    box.replaceChildren(h("p", {}, `请让 ${out.staff_id} 在身份验证器应用中添加（仅显示一次）：`),
      h("p", { class: "mono small" }, out.otpauth_uri), h("p", { class: "small" }, "密钥：", h("span", { class: "mono" }, out.secret)));
    await loadStaff();
  } catch (err) { globalProblem(err); }
}

function editStaff(row) {
  editing = row.staff_id;
  $("#staff-form-title").textContent = `修改账号 ${row.staff_id}`;
  $("#staff-new-id").value = row.staff_id;
  $("#staff-new-id").disabled = true;
  $("#staff-new-name").value = row.display_name;
  $("#staff-new-district").value = row.district;
  $("#staff-new-password-field").hidden = true;
  for (const box of document.querySelectorAll("input[name=staff-role]")) box.checked = row.roles.includes(box.value);
  $("#staff-submit").textContent = "保存修改";
  $("#staff-cancel").hidden = false;
  $("#staff-new-name").focus();
}

function resetStaffForm() {
  editing = null;
  const form = $("#staff-form");
  form.reset();
  clearErrors(form);
  $("#staff-form-title").textContent = "新建账号";
  $("#staff-new-id").disabled = false;
  $("#staff-new-password-field").hidden = false;
  $("#staff-submit").textContent = "新建账号";
  $("#staff-cancel").hidden = true;
}
$("#staff-cancel").addEventListener("click", resetStaffForm);

$("#staff-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = e.target;
  clearErrors(form);
  const roles = [...document.querySelectorAll("input[name=staff-role]:checked")].map((b) => b.value);
  if (!roles.length) { showErrors(form, { detail: "请更正以下内容", errors: [{ field: "roles", message: "请至少选择一个岗位" }] }); return; }
  const body = { display_name: $("#staff-new-name").value, district: $("#staff-new-district").value, roles };
  try {
    if (editing) {
      await api(`/admin/staff/${encodeURIComponent(editing)}`, { method: "PATCH", auth: token(), body });
      toast("账号已修改");
    } else {
      const staffId = $("#staff-new-id").value.trim();
      await api("/admin/staff", { method: "POST", auth: token(), body: { ...body, staff_id: staffId, password: $("#staff-new-password").value } });
      toast("账号已新建");
      resetStaffForm();
      await enrol(staffId);
      return;
    }
    resetStaffForm();
    await loadStaff();
  } catch (err) {
    showErrors(form, err, fieldOf);
  }
});

async function loadSms() {
  const rows = await api("/admin/sms?limit=200", { auth: token() });
  if (!rows.length) { $("#sms").replaceChildren(h("p", { class: "empty" }, "暂无短信")); return; }
  $("#sms").replaceChildren(h("table", { id: "sms-table" }, h("caption", { class: "sr-only" }, "短信发件箱"),
    h("thead", {}, h("tr", {}, ...["时间", "案件", "手机", "模板", "内容", "状态"].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, ...rows.map((r) => {
      const [text, kind] = STATUS[r.status] || [r.status, "warn"];
      return h("tr", {}, h("td", { class: "small" }, fmtDateTime(r.created_at)), h("td", { class: "mono small" }, r.case_number || "—"),
        h("td", { class: "mono small" }, r.phone), h("td", { class: "small" }, r.template),
        h("td", { class: "sms-body" }, r.body), h("td", {}, h("span", { class: `badge ${kind}` }, text), r.error_code ? h("div", { class: "small" }, r.error_code) : null));
    }))));
}
$("#sms-refresh").addEventListener("click", () => loadSms().catch(globalProblem));

function rings(geometry) {
  if (geometry.type === "Polygon") return [geometry.coordinates[0]];
  if (geometry.type === "MultiPolygon") return geometry.coordinates.map((p) => p[0]);
  return [];
}

/** The polygons in an equirectangular projection scaled by cos(latitude): no tiles, no network. */
async function loadArea() {
  const area = await api("/admin/pilot-area", { auth: token() });
  const features = area.features || [];
  const all = features.flatMap((f) => rings(f.geometry).flat());
  if (!all.length) { $("#area").replaceChildren(h("p", { class: "muted" }, "未配置试点区域")); return; }
  const lons = all.map((p) => p[0]), lats = all.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...lons), Math.max(...lons), Math.min(...lats), Math.max(...lats)];
  const k = Math.cos(((y0 + y1) / 2) * Math.PI / 180);
  const W = 1000, HMAX = 460, pad = 24; // about the card's size: labels stay legible
  const scale = Math.min((W - 2 * pad) / Math.max((x1 - x0) * k, 1e-9), (HMAX - 2 * pad) / Math.max(y1 - y0, 1e-9));
  const H = Math.round((y1 - y0) * scale + 2 * pad);
  const left = (W - (x1 - x0) * k * scale) / 2;
  const xy = ([lon, lat]) => [left + (lon - x0) * k * scale, pad + (y1 - lat) * scale];
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("class", "map");
  svg.setAttribute("id", "pilot-map");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `试点区域示意图：${features.map((f) => f.properties?.name).join("、")}`);
  for (const f of features) {
    const g = document.createElementNS(SVG, "g");
    const title = document.createElementNS(SVG, "title");
    title.textContent = `${f.properties?.name || ""}（${f.properties?.district || ""}）`;
    g.append(title);
    let cx = 0, cy = 0, n = 0;
    for (const ring of rings(f.geometry)) {
      const poly = document.createElementNS(SVG, "polygon");
      const pts = ring.map(xy);
      poly.setAttribute("points", pts.map((p) => p.map((v) => v.toFixed(1)).join(",")).join(" "));
      poly.dataset.name = f.properties?.name || "";
      g.append(poly);
      for (const [x, y] of pts) { cx += x; cy += y; n += 1; }
    }
    const label = document.createElementNS(SVG, "text");
    label.setAttribute("x", (cx / n).toFixed(1));
    label.setAttribute("y", (cy / n).toFixed(1));
    label.setAttribute("text-anchor", "middle");
    label.textContent = f.properties?.name || "";
    g.append(label);
    svg.append(g);
  }
  const approximate = features.some((f) => f.properties?.approximate);
  $("#area-note").textContent = `${features.length} 个区域，WGS-84 坐标（经度 ${x0.toFixed(3)}–${x1.toFixed(3)}，纬度 ${y0.toFixed(3)}–${y1.toFixed(3)}）。`
    + (approximate ? "当前为近似默认边界，请以官方街道边界替换（KUAICHU_PILOT_AREA_FILE）。" : "");
  $("#area").replaceChildren(svg, h("ul", { class: "legend" }, ...features.map((f) => h("li", {}, `${f.properties?.name}（${f.properties?.district || ""}）`))));
}

async function loadSettings() {
  const out = await api("/admin/settings", { auth: token() });
  const get = (n) => out.settings.find((s) => s.name === n)?.value || "";
  const windows = get("service_windows").split(",").filter(Boolean);
  $("#hours").replaceChildren(h("dl", { class: "kv", id: "service-hours" },
    h("dt", {}, "服务时段"), h("dd", {}, windows.join("、") || "—"),
    h("dt", {}, "适用日期"), h("dd", {}, "法定工作日（含调休上班日），按节假日日历"),
    h("dt", {}, "时区"), h("dd", {}, get("timezone"))));
  $("#settings").replaceChildren(h("p", { class: "muted small" }, out.note),
    h("table", {}, h("caption", { class: "sr-only" }, "生效配置"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "配置项"), h("th", { scope: "col" }, "当前值"), h("th", { scope: "col" }, "环境变量"))),
      h("tbody", {}, ...out.settings.map((s) => h("tr", {}, h("td", {}, s.name), h("td", { class: "mono small" }, s.value || "（默认）"), h("td", { class: "mono small" }, s.env_var))))));
}

async function loadCalendar() {
  const out = await api("/admin/calendar", { auth: token() });
  const byYear = {};
  for (const d of out.days) (byYear[d.day.slice(0, 4)] ||= []).push(d);
  $("#calendar").replaceChildren(
    h("p", {}, "管理员已载入的完整年份：", out.years.length ? out.years.join("、") : "无"),
    ...Object.entries(byYear).map(([year, days]) => h("details", { open: out.years.includes(Number(year)) },
      h("summary", {}, `${year} 年：${days.filter((d) => !d.is_workday).length} 天休息、${days.filter((d) => d.is_workday).length} 天上班（人工设置）`),
      h("div", { class: "cal" }, ...days.map((d) => h("span", {}, `${d.day} ${WEEKDAYS[new Date(d.day + "T00:00:00Z").getUTCDay() || 7]} `,
        h("span", { class: `badge ${d.is_workday ? "warn" : "ok"}` }, d.is_workday ? "上班" : "休息")))))));
}

$("#cal-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = e.target;
  clearErrors(form);
  const year = Number($("#cal-year").value);
  const days = [];
  const bad = [];
  $("#cal-days").value.split("\n").map((l) => l.trim()).filter(Boolean).forEach((line, i) => {
    const m = line.match(/^(\d{4}-\d{2}-\d{2})\s+(休|班)\s*(.*)$/);
    if (m) days.push({ day: m[1], is_workday: m[2] === "班", note: m[3] || "" });
    else bad.push(`第${i + 1}行`);
  });
  const problems = [];
  if (!year) problems.push({ field: "year", message: "请填写年份" });
  if (bad.length || !days.length) problems.push({ field: "days", message: bad.length ? `${bad.join("、")}格式不正确（例：2027-01-01 休 元旦）` : "请至少填写一天" });
  if (problems.length) { showErrors(form, { detail: "请更正以下内容", errors: problems }); return; }
  try {
    await api(`/admin/calendar/years/${year}`, { method: "PUT", auth: token(), body: { days } });
    $("#cal-state").textContent = `${year} 年已载入 ${days.length} 天`;
    toast("节假日已载入");
    await loadCalendar();
  } catch (err) {
    if (err.code === "DAY_OUTSIDE_YEAR") err.errors = [{ field: "days", message: err.detail }];
    showErrors(form, err, fieldOf);
  }
});
