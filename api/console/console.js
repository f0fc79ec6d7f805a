// talentflow web console: one page, hash routing, plain JS talking to /api/v1 like any client.
// Every piece of server data reaches the page through html`` (escaped) or textContent.
'use strict';

// ---------- HTML building (escaped by default) ----------

class Safe {
  constructor(s) { this.s = s; }
  toString() { return this.s; }
}
const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (v) => String(v).replace(/[&<>"']/g, (c) => ESC[c]);
function show(v) {
  if (v instanceof Safe) return v.s;
  if (Array.isArray(v)) return v.map(show).join('');
  if (v === null || v === undefined) return '';
  return esc(v);
}
// html`<p>${value}</p>`: values are escaped unless they are themselves html`` results.
function html(strings, ...values) {
  let out = strings[0];
  values.forEach((v, i) => { out += show(v) + strings[i + 1]; });
  return new Safe(out);
}
function setHTML(el, safe) {
  if (!(safe instanceof Safe)) throw new Error('setHTML needs html``');
  el.innerHTML = safe.s;
}
const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

// ---------- Language: 中文 / EN ----------

// The console is written in Chinese. The English switch translates what the page shows through
// one dictionary (EN below): every text node and placeholder/title/aria-label whose whole text,
// or a whole part between " · " or "：" separators, is a key. Server data (names, titles,
// comments, server messages) and sentences built around numbers stay as they are; the few
// sentences built in code that matter most pick their language with L(zh, en).
const LANG_KEY = 'tf.lang';
let LANG = (() => {
  try { return localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh'; } catch { return 'zh'; }
})();
const L = (zh, en) => (LANG === 'en' ? en : zh);
const T = (zh) => (LANG === 'en' && Object.hasOwn(EN, zh) ? EN[zh] : zh);
const ORIGINAL_TEXT = new WeakMap(); // a translated text node → its Chinese text
const ORIGINAL_ATTRS = new WeakMap(); // a translated element → {attribute: Chinese value}
const I18N_ATTRS = ['placeholder', 'title', 'aria-label'];
// Never translated: what people typed or the server wrote, and the language buttons.
const NO_I18N = 'textarea, script, style, [data-i18n-skip], .tl-comment, .notes-cell, .demand-detail, .note-body, .note-title';
const I18N_SEPARATOR = /(\s·\s|\s\/\s|：)/;

function translateText(s) {
  const key = s.trim();
  if (!key) return s;
  if (Object.hasOwn(EN, key)) return s.replace(key, EN[key]);
  if (!I18N_SEPARATOR.test(s)) return s;
  let changed = false;
  const parts = s.split(I18N_SEPARATOR).map((part) => {
    const k = part.trim();
    if (k && Object.hasOwn(EN, k)) { changed = true; return part.replace(k, EN[k]); }
    return part;
  });
  return changed ? parts.join('').replace(/：/g, ': ') : s;
}

function translateNode(n) {
  const parent = n.parentElement;
  if (!parent || parent.closest(NO_I18N)) return;
  const next = translateText(n.data);
  if (next !== n.data) {
    ORIGINAL_TEXT.set(n, n.data);
    n.data = next;
  }
}

function translateAttrs(el) {
  for (const a of I18N_ATTRS) {
    const v = el.getAttribute(a);
    if (!v) continue;
    const next = translateText(v);
    if (next === v) continue;
    const saved = ORIGINAL_ATTRS.get(el) || {};
    saved[a] = v;
    ORIGINAL_ATTRS.set(el, saved);
    el.setAttribute(a, next);
  }
}

// translateTree puts what root shows into English (nothing in Chinese mode).
function translateTree(root) {
  if (LANG !== 'en' || !root) return;
  if (root.nodeType === Node.TEXT_NODE) { translateNode(root); return; }
  if (root.nodeType !== Node.ELEMENT_NODE || root.closest(NO_I18N)) return;
  translateAttrs(root);
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT, {
    acceptNode: (n) => (n.nodeType === Node.ELEMENT_NODE && n.matches(NO_I18N) ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT),
  });
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (n.nodeType === Node.TEXT_NODE) translateNode(n); else translateAttrs(n);
  }
}

// restoreTree puts the Chinese back wherever translateTree changed it.
function restoreTree(root) {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
  for (let n = walker.currentNode; n; n = walker.nextNode()) {
    if (n.nodeType === Node.TEXT_NODE) {
      if (ORIGINAL_TEXT.has(n)) { n.data = ORIGINAL_TEXT.get(n); ORIGINAL_TEXT.delete(n); }
    } else if (ORIGINAL_ATTRS.has(n)) {
      for (const [a, v] of Object.entries(ORIGINAL_ATTRS.get(n))) n.setAttribute(a, v);
      ORIGINAL_ATTRS.delete(n);
    }
  }
}

// New content is translated as it arrives (pages, rows loaded later, flash messages).
const i18nObserver = new MutationObserver((records) => {
  if (LANG !== 'en') return;
  for (const r of records) {
    if (r.type === 'characterData') translateNode(r.target);
    else r.addedNodes.forEach(translateTree);
  }
});

function markLangButtons() {
  $$('button[data-lang]').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.lang === LANG)));
  document.documentElement.lang = LANG === 'en' ? 'en' : 'zh-CN';
}

// setLang switches the console's language, remembers it in this browser and redraws the page.
function setLang(lang) {
  if (lang === LANG) return;
  LANG = lang === 'en' ? 'en' : 'zh';
  try { localStorage.setItem(LANG_KEY, LANG); } catch { /* private mode: this page only */ }
  if (LANG === 'en') translateTree(document.body); else restoreTree(document.body);
  markLangButtons();
  if (S.me) renderHeader();
  route();
}

// ---------- API error codes in words ----------

// ERRORS says, per API error code, what went wrong in Chinese (and English): the one place
// the console turns the server's codes into words. The server's own message follows as the
// detail, and when it names a field it is shown next to that field.
const ERRORS = {
  invalid: ['输入有误', 'Invalid input'],
  unknown_field: ['请求包含无法识别的字段', 'The request has a field the server does not know'],
  bad_json: ['请求格式有误', 'Malformed request'],
  empty_body: ['请求内容为空', 'The request is empty'],
  bad_request: ['请求有误', 'Bad request'],
  unauthorized: ['未登录或登录已失效，请重新登录', 'Not logged in, or the session expired: log in again'],
  bad_credentials: ['用户名或密码错误', 'Wrong username or password'],
  account_locked: ['登录失败次数过多，该账号在本机已临时锁定，请稍后再试或联系管理员解锁', 'Too many failed logins from here: locked for a while (an administrator can unlock)'],
  session_ended: ['会话已结束（已退出或长时间未操作），请重新登录', 'The session ended (logged out, or idle too long): log in again'],
  password_change_required: ['该账号仍使用公开的演示密码，请先设置新密码', 'This account still has the public demo password: set a new one first'],
  forbidden: ['无权操作：您的角色或所在单位不允许此操作', 'Not allowed: your role or department does not permit this'],
  four_eyes: ['经办与复核须由不同人员完成', 'Four eyes: a second person must approve what you prepared'],
  not_found: ['未找到：对象不存在或您无权查看', 'Not found, or not visible to you'],
  method_not_allowed: ['不支持的操作', 'Operation not supported'],
  conflict: ['已被他人处理或状态已变化', 'Already handled by someone else, or its state changed'],
  start_pending: ['办件正在启动，请稍候刷新', 'The case is still starting: refresh in a moment'],
  budget_exhausted: ['预算额度不足，无法占用', 'The budget is exhausted'],
  already_paired: ['该人才已有联系中的结对', 'This talent already has an active pairing'],
  duplicate_application: ['已有相同的申请在办理中，请勿重复申请', 'The same application is already in progress'],
  nothing_due: ['当前没有待发放的款项，无需生成批次', 'No payment is due: there is nothing to batch'],
  not_approved: ['批次尚未复核，复核通过后方可下载银行代发文件', 'The batch is not approved yet'],
  username_taken: ['用户名已被占用', 'The username is taken'],
  department_exists: ['单位代码已存在', 'The department code exists'],
  too_large: ['文件或请求过大', 'The file or request is too large'],
  unsupported_type: ['不支持的文件类型', 'Unsupported file type'],
  timeout: ['处理超时，请稍后重试', 'It did not finish in time: try again'],
  catching_up: ['办件正在恢复，请稍后重试', 'The case is catching up after a restart: try again in a moment'],
  unavailable: ['服务暂不可用，请稍后重试', 'Service unavailable: try again shortly'],
  database_unavailable: ['数据库暂时无法连接，请稍后重试', 'The database cannot be reached at the moment: try again shortly'],
  temporal_unavailable: ['流程引擎（Temporal）暂时无法连接，请稍后重试', 'The workflow engine (Temporal) cannot be reached at the moment: try again shortly'],
  internal: ['服务器内部错误（已记录），请稍后重试或联系管理员', 'Internal server error (logged): try again or contact the administrator'],
};
// By status, for a code the table does not know.
const STATUS_PREFIX = {
  400: ['请求有误', 'Bad request'], 401: ['未登录或登录已失效', 'Not logged in'], 403: ['无权操作', 'Not allowed'],
  404: ['未找到', 'Not found'], 409: ['操作冲突', 'Conflict'], 413: ['文件过大', 'Too large'], 422: ['输入有误', 'Invalid input'],
  429: ['操作过于频繁或账号已锁定', 'Too many attempts, or the account is locked'], 500: ['服务器内部错误', 'Server error'],
  503: ['服务暂不可用', 'Service unavailable'],
};

// errorLead is the Chinese (or English) lead-in for a failed call.
function errorLead(err) {
  if (!(err instanceof ApiError)) return L('网络异常或服务器无响应', 'Network error, or the server did not answer');
  const words = ERRORS[err.code] || STATUS_PREFIX[err.status];
  return words ? L(...words) : L(`错误 ${err.status}`, `Error ${err.status}`);
}

// errorText is a failed call in one line: the lead-in, the status, the server's own words.
function errorText(err) {
  if (!(err instanceof ApiError)) return `${errorLead(err)}：${err.message}`;
  return `${errorLead(err)}（${err.status}）${err.message ? `：${err.message}` : ''}`;
}

// ---------- Progress of long operations ----------

function progressNote(text) {
  return html`<div class="progress-note" role="status" aria-live="polite"><span class="spinner" aria-hidden="true"></span>
    <span class="progress-text">${text}</span> <span class="progress-elapsed muted small"></span></div>`;
}

// withProgress shows text with a spinner and the seconds waited in slot while fn runs; fn may
// change the text through the function it is given.
async function withProgress(slot, text, fn) {
  slot.hidden = false;
  setHTML(slot, progressNote(text));
  const started = Date.now();
  const tick = setInterval(() => {
    const el = $('.progress-elapsed', slot);
    if (el) el.textContent = L(`已用时 ${Math.round((Date.now() - started) / 1000)} 秒`, `${Math.round((Date.now() - started) / 1000)} s`);
  }, 1000);
  try {
    return await fn((t) => { const el = $('.progress-text', slot); if (el) el.textContent = t; });
  } finally {
    clearInterval(tick);
    slot.hidden = true;
    slot.replaceChildren();
  }
}

// downloadFile fetches an API file with the bearer token and saves it under the name the
// server gives (Content-Disposition), else fallback.
async function downloadFile(path, fallback) {
  const res = await fetch(path, { headers: { Authorization: 'Bearer ' + S.token } });
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null));
  const disposition = res.headers.get('Content-Disposition') || '';
  const star = disposition.match(/filename\*=UTF-8''([^;]+)/i);
  const plain = disposition.match(/filename="?([^";]+)"?/i);
  let name = fallback;
  try { name = star ? decodeURIComponent(star[1]) : plain ? plain[1] : fallback; } catch { name = fallback; }
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return name;
}

// ---------- Vocabulary the API does not label ----------

const TASK_STATES = { open: '待办理', paused: '已暂停', done: '已办结', cancelled: '已取消' };
const MODES = { single: '单人办理', sequential: '依次审批', countersign: '会签', any_of: '或签', vote: '票签' };
// Processes, their case states, steps and timeline kinds come from the process registry
// (GET /api/v1/vocabularies), so a new process brings its own labels.
let CASE_STATES = {};
let PROCESSES = {};
let STEPS = {};
let EVENTS = {};
const NOTICE_KINDS = { reminder: '到期提醒', escalation: '督办升级', urge: '催办', cc: '抄送', assigned: '待办', info: '通知' };
const WARNINGS = { yellow: '黄牌', red: '红牌' };
const SCOPES = [['mine', '我的待办'], ['department', '部门待办'], ['claimable', '可认领'], ['done', '已办'], ['cc', '抄送']];
// Categories from the highest; a downgrade picks one after the claimed category.
const CASE_CATEGORY_ORDER = ['A', 'B', 'C', 'D', 'E'];
const RETURN_TARGETS = { applicant: '退回申请人补正', review: '退回部门会签重审', window: '退回窗口重新受理' };
// States in which an applicant may still withdraw (until the certificate is issued).
const WITHDRAWABLE = new Set(['draft', 'submitted', 'accepting', 'in_review', 'signoff', 'notice', 'objection', 'returned']);
const PROFILE_FIELDS = [
  { name: 'name', label: '姓名', hint: '与身份证一致', max: 50 },
  { name: 'id_number', label: '公民身份号码', hint: '18 位，末位可为 X', max: 18, mono: true },
  { name: 'phone', label: '手机号码', hint: '11 位手机号', max: 20, type: 'tel' },
  { name: 'education', label: '最高学历', vocab: 'education' },
  { name: 'title', label: '专业技术职称', vocab: 'titles' },
  { name: 'field', label: '专业领域', hint: '如：新材料、生物医药', max: 100 },
  { name: 'employer_credit_code', label: '用人单位统一社会信用代码', hint: '18 位', max: 18, mono: true },
  { name: 'category', label: '申报人才类别', vocab: 'categories' },
];

// ---------- Session ----------

const S = {
  token: sessionStorage.getItem('tf.token') || '',
  me: null,
  vocab: { categories: [], education: [], titles: [], outcomes: [], roles: [] },
  depts: {},
};
let pendingFlash = null;
// nextHash is where to go after logging in, when a page sent the user to the login form.
let nextHash = '';

const can = (perm) => !!S.me && S.me.permissions.includes(perm);
const label = (list, value) => (S.vocab[list].find((t) => t.value === value) || {}).label || value || '';
const deptName = (code) => S.depts[code] || code || '';
const roleLabel = (role) => label('roles', role);

function homeHash() {
  // The leading-group office starts on the dashboard (督办看板).
  if (can('dashboard:read') && S.me.roles.some((r) => r.role === 'lgo')) return '#/dashboard';
  if (can('task:read')) return '#/inbox';
  if (can('case:apply')) return '#/apply';
  if (can('contact:log')) return '#/liaison';
  return '#/notifications';
}

// seesDemands: the talent and the specialist (who rate), leaders (their pairings' demands), the
// office and auditors (all), and departments' reviewers (those routed to them).
function seesDemands() {
  return can('demand:read') || can('demand:rate') || can('pairing:read')
    || S.me.roles.some((r) => r.role === 'approver' || r.role === 'dept_head');
}

function saveSession(token) {
  S.token = token;
  sessionStorage.setItem('tf.token', token);
}

function logout(message) {
  S.token = '';
  S.me = null;
  sessionStorage.removeItem('tf.token');
  $('#topbar').hidden = true;
  if (message) {
    pendingFlash = [message, 'error'];
    if (location.hash !== '#/login') nextHash = location.hash;
  }
  if (location.hash === '#/login') route(); else location.hash = '#/login';
}

async function loadSession() {
  const [me, vocab, depts] = await Promise.all([
    S.me ? S.me : api('GET', '/api/v1/me'),
    api('GET', '/api/v1/vocabularies'),
    api('GET', '/api/v1/departments'),
  ]);
  S.me = me;
  S.vocab = vocab;
  const labels = (terms) => Object.fromEntries((terms || []).map((t) => [t.value, t.label]));
  CASE_STATES = labels(vocab.states);
  PROCESSES = labels(vocab.processes);
  STEPS = labels(vocab.steps);
  EVENTS = labels(vocab.events);
  S.depts = Object.fromEntries((depts || []).map((d) => [d.code, d.name]));
  renderHeader();
}

// ---------- API ----------

class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.code = e.code || '';
    this.field = e.field || '';
  }
}

// api sends a JSON request with the bearer token and returns the decoded answer; errors throw
// ApiError. A 401 on a logged-in session ends it.
async function api(method, path, body, opts = {}) {
  const headers = { Accept: opts.text ? 'text/html' : 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (S.token) headers.Authorization = 'Bearer ' + S.token;
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (res.ok && opts.text) return text;
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!res.ok) {
    const err = new ApiError(res.status, data);
    if (res.status === 401 && S.token && !path.endsWith('/auth/login')) logout('登录已失效，请重新登录。');
    if (data && data.error && data.error.code === 'password_change_required') location.hash = '#/password';
    throw err;
  }
  return data;
}


// ---------- Flash messages and field errors ----------

function flash(message, kind = 'ok') {
  const el = $('#flash');
  el.textContent = message;
  el.className = 'flash ' + kind;
  el.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  el.hidden = false;
  el.scrollIntoView({ block: 'nearest' });
}
function clearFlash() {
  const el = $('#flash');
  el.hidden = true;
  el.textContent = '';
  el.className = 'flash';
}

function clearFieldErrors(form) {
  $$('.field.invalid', form).forEach((f) => f.classList.remove('invalid'));
  $$('[aria-invalid]', form).forEach((i) => i.removeAttribute('aria-invalid'));
  $$('.field-error', form).forEach((e) => { e.textContent = ''; });
}

// fieldError shows message next to the form control named field; false when there is none.
function fieldError(form, field, message) {
  const slot = form && $(`[data-error-for="${CSS.escape(field)}"]`, form);
  if (!slot) return false;
  slot.textContent = message;
  const wrap = slot.closest('.field');
  if (wrap) wrap.classList.add('invalid');
  const input = $(`[name="${CSS.escape(field)}"]`, form);
  if (input) {
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  }
  return true;
}

// showError reports a failed call in the flash area, in words from ERRORS with the server's
// message as the detail; when the server names a field the form has, its message also goes
// next to that field.
function showError(err, form) {
  if (!(err instanceof ApiError)) {
    flash(errorText(err), 'error');
    return;
  }
  const placed = err.field && fieldError(form, err.field, err.message);
  flash(placed ? `${errorLead(err)}（${err.status}）：${L('请修改标出的字段。', 'please correct the marked field. ')}${err.message}` : errorText(err), 'error');
}

// busy disables a form's buttons while fn runs.
async function busy(form, fn) {
  const buttons = $$('button', form);
  buttons.forEach((b) => { b.disabled = true; });
  try { return await fn(); } finally { buttons.forEach((b) => { b.disabled = false; }); }
}

// ---------- Formatting ----------

const pad = (n) => String(n).padStart(2, '0');
// fmtTime shows an instant in China time (UTC+8, no daylight saving): 2026-12-03 00:00.
function fmtTime(ts) {
  if (!ts) return '';
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return '';
  const t = new Date(d.getTime() + 8 * 3600 * 1000);
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())} ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}`;
}
const stateBadge = (state, id) => html`<span class="state state-${state}" ${id ? html`id="${id}"` : ''} data-state="${state}">${CASE_STATES[state] || state}</span>`;
const taskBadge = (t) => html`<span class="tstate tstate-${t.state}">${TASK_STATES[t.state] || t.state}</span>`;
// warnBadge shows a task's or case's red/yellow card to staff (applicants are not graded).
function warnBadge(w) {
  if (!WARNINGS[w] || !can('task:read')) return '';
  return html`<span class="card-badge card-${w}" data-warning="${w}" title="${w === 'red' ? '已超过办理时限' : '临近办理时限'}">${WARNINGS[w]}</span>`;
}
function deadlineCell(t) {
  if (!t.deadline) return html`<span class="muted">—</span>`;
  const late = t.state === 'open' && new Date(t.deadline) < new Date();
  return html`<time class="${late ? 'late' : ''}" datetime="${t.deadline}">${fmtTime(t.deadline)}</time>${t.state === 'open' ? html`<div>${timeLeft(t)}</div>` : ''}`;
}
const categoryText = (c) => (c ? L(`${c}类 ${label('categories', c)}`, `Category ${c} ${T(label('categories', c))}`) : '');
const emptyRow = (cols, text) => html`<tr class="empty"><td colspan="${cols}">${text}</td></tr>`;

// ---------- Header ----------

function renderHeader() {
  const me = S.me;
  $('#topbar').hidden = false;
  $('#user-name').textContent = me.name || me.username;
  $('#user-roles').textContent = me.roles.map((r) => `${roleLabel(r.role)}@${r.department_name || deptName(r.department)}`).join('，');
  $('#user-name').title = $('#user-roles').textContent; // the roles line is hidden on narrower screens
  // A county leader (no task inbox) reaches the dashboard from 联系服务 and 联系考核, which keeps
  // the phone navigation to what a leader does every day.
  const items = [
    ['#/dashboard', '督办看板', can('dashboard:read') && can('task:read')],
    ['#/inbox', '待办事项', can('task:read')],
    ['#/cases', '办件查询', can('case:read')],
    ['#/apply', '我的申请', can('case:apply')],
    ['#/subsidies', '我的补贴', can('subsidy:apply')],
    ['#/funds', '补贴资金', can('subsidy:read')],
    ['#/batches', '发放批次', can('payment:batch')],
    ['#/liaison', '联系服务', can('pairing:read')],
    ['#/demands', '人才诉求', seesDemands()],
    ['#/compliance', '联系考核', can('liaison:compliance')],
    ['#/notifications', '消息通知', true],
    ['#/audit', '审计日志', can('audit:read')],
    ['#/temporal', '流程数据解码', can('temporal:decode')],
  ];
  setHTML($('#nav'), html`${items.filter((i) => i[2]).map(([href, text]) => html`
    <a href="${href}" data-nav="${href}">${text}${href === '#/notifications'
      ? html` <span id="unread-count" class="badge" data-count="0" hidden>0</span>` : ''}</a>`)}`);
  refreshUnread();
}

function markActiveNav() {
  const path = (location.hash || '').split('?')[0];
  $$('#nav a').forEach((a) => {
    const on = path === a.dataset.nav || (a.dataset.nav === '#/apply' && path.startsWith('#/apply'))
      || (a.dataset.nav === '#/liaison' && path === '#/pairing');
    a.classList.toggle('active', on);
    if (on) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  });
}

async function refreshUnread() {
  if (!S.token) return;
  try {
    const page = await api('GET', '/api/v1/notifications?unread=true&limit=1');
    const n = page.unread;
    const badge = $('#unread-count');
    if (!badge) return;
    badge.textContent = String(n);
    badge.dataset.count = String(n);
    badge.hidden = n === 0;
    badge.title = `${n} 条未读消息`;
  } catch { /* the badge is best effort */ }
}

// ---------- Router ----------

const ROUTES = [
  [/^#\/login$/, pageLogin, { public: true }],
  [/^#\/dashboard$/, pageDashboard, { perm: 'dashboard:read' }],
  [/^#\/inbox$/, pageInbox, { perm: 'task:read' }],
  [/^#\/case\/([^/?]+)$/, pageCase, {}],
  [/^#\/apply(?:\/([^/?]+))?$/, pageApply, { perm: 'case:apply' }],
  [/^#\/cases$/, pageCases, { perm: 'case:read' }],
  [/^#\/notifications$/, pageNotifications, {}],
  [/^#\/password$/, pagePassword, {}],
  [/^#\/audit$/, pageAudit, { perm: 'audit:read' }],
  [/^#\/subsidies$/, pageSubsidies, { perm: 'subsidy:apply' }],
  [/^#\/funds$/, pageFunds, { perm: 'subsidy:read' }],
  [/^#\/batches$/, pageBatches, { perm: 'payment:batch' }],
  [/^#\/liaison$/, pageLiaison, { perm: 'pairing:read' }],
  [/^#\/pairing$/, pagePairing, { perm: 'pairing:read' }],
  [/^#\/demands$/, pageDemands, {}],
  [/^#\/compliance$/, pageCompliance, { perm: 'liaison:compliance' }],
  [/^#\/temporal$/, pageTemporal, { perm: 'temporal:decode' }],
];
let routeSeq = 0;

async function route() {
  const seq = ++routeSeq;
  const [path, query] = (location.hash || '#/').split('?');
  if (pendingFlash) { flash(...pendingFlash); pendingFlash = null; } else clearFlash();
  const view = $('#view');
  const ctx = {
    query: new URLSearchParams(query || ''),
    stale: () => seq !== routeSeq,
    render(safe) { if (seq === routeSeq) setHTML(view, safe); return seq === routeSeq; },
  };
  if (!S.token && path !== '#/login') {
    if (path !== '#/') nextHash = location.hash;
    location.hash = '#/login';
    return;
  }
  if (S.token && !S.me) {
    try { await loadSession(); } catch (err) {
      if (!S.token) return; // the 401 handler logged out
      ctx.render(html`<div class="card">无法加载用户信息：${errorText(err)}</div>`);
      return;
    }
    if (ctx.stale()) return;
  }
  if (S.token && (path === '#/login' || path === '#/' || path === '#')) { location.hash = homeHash(); return; }
  markActiveNav();
  const hit = ROUTES.map(([re, fn, opts]) => [path.match(re), fn, opts]).find(([m]) => m);
  if (!hit) { ctx.render(html`<div class="card"><h1>页面不存在</h1><p><a href="${homeHash()}">返回首页</a></p></div>`); return; }
  const [m, fn, opts] = hit;
  if (opts.perm && !can(opts.perm)) {
    ctx.render(html`<div class="card"><h1>无权访问</h1><p>您的角色不包含此功能（需要 ${opts.perm} 权限）。</p></div>`);
    return;
  }
  if (!opts.public) ctx.render(html`<p class="muted loading">正在加载…</p>`);
  try {
    await fn(ctx, ...m.slice(1).map((s) => (s === undefined ? undefined : decodeURIComponent(s))));
  } catch (err) {
    if (ctx.stale() || !S.token) return;
    showError(err);
    ctx.render(html`<div class="card"><p>加载失败：${errorText(err)}</p><p><a href="${homeHash()}">返回首页</a></p></div>`);
  }
  if (!ctx.stale()) document.title = `${($('#view h1') || {}).textContent || T('登录')} - ${T('人才工作协同审批平台')}`;
}

// go navigates to hash, showing message there; it re-renders when already on hash.
function go(hash, message, kind = 'ok') {
  if (message) pendingFlash = [message, kind];
  if (location.hash === hash) route(); else location.hash = hash;
}

// ---------- Login ----------

async function pageLogin(ctx) {
  ctx.render(html`
    <section class="login">
      <div class="login-card card">
        <div class="login-brand"><span class="brand-mark" aria-hidden="true">才</span>
          <div><h1>人才工作协同审批平台</h1><p class="muted">县人才工作领导小组办公室</p></div></div>
        <form id="login-form" novalidate>
          <div class="field"><label for="login-username">用户名</label>
            <input id="login-username" name="username" autocomplete="username" required autofocus>
            <div class="field-error" data-error-for="username"></div></div>
          <div class="field"><label for="login-password">密码</label>
            <input id="login-password" name="password" type="password" autocomplete="current-password" required>
            <div class="field-error" data-error-for="password"></div></div>
          <button id="login-submit" class="btn btn-primary btn-block" type="submit">登录</button>
        </form>
        <p class="muted small">登录状态仅保存在本浏览器标签页中，关闭后需重新登录。</p>
        <div class="lang-switch login-lang" role="group" aria-label="语言 / Language" data-i18n-skip>
          <button id="login-lang-zh" type="button" class="lang-btn" data-lang="zh" lang="zh-CN">中文</button>
          <button id="login-lang-en" type="button" class="lang-btn" data-lang="en" lang="en">EN</button></div>
      </div>
    </section>`);
  markLangButtons();
  const form = $('#login-form');
  form.username.focus();
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearFieldErrors(form);
    const body = { username: form.username.value.trim(), password: form.password.value };
    busy(form, async () => {
      try {
        const res = await api('POST', '/api/v1/auth/login', body);
        saveSession(res.token);
        S.me = res.user;
        if (res.must_change_password) {
          nextHash = '';
          await loadSession();
          go('#/password', '该账号仍使用公开的演示密码，请先设置新密码。', 'error');
          return;
        }
        await loadSession();
        const next = nextHash || homeHash();
        nextHash = '';
        go(next, `欢迎，${res.user.name || res.user.username}`);
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) {
          flash(`${L('登录失败', 'Login failed')}：${errorLead(err)}（${err.message}）`, 'error');
          fieldError(form, 'password', '用户名或密码错误');
        } else showError(err, form);
      }
    });
  });
}

// ---------- Password ----------

// pagePassword changes the caller's password: the current one, the new one twice.
async function pagePassword(ctx) {
  ctx.render(html`
    <div class="page-head"><h1>修改密码</h1></div>
    <form class="card form" id="password-form" novalidate>
      <p class="muted small">新密码至少 8 位，并包含小写字母、大写字母、数字、符号中的三类。</p>
      <div class="field"><label for="pw-current">当前密码</label>
        <input id="pw-current" name="current_password" type="password" autocomplete="current-password" required>
        <div class="field-error" data-error-for="current_password"></div></div>
      <div class="field"><label for="pw-new">新密码</label>
        <input id="pw-new" name="new_password" type="password" autocomplete="new-password" required>
        <div class="field-error" data-error-for="new_password"></div></div>
      <div class="field"><label for="pw-again">再次输入新密码</label>
        <input id="pw-again" name="again" type="password" autocomplete="new-password" required>
        <div class="field-error" data-error-for="again"></div></div>
      <div class="actions"><button class="btn btn-primary" type="submit" id="pw-submit">修改密码</button></div>
    </form>`);
  const form = $('#password-form');
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearFieldErrors(form);
    if (form.new_password.value !== form.again.value) {
      fieldError(form, 'again', '两次输入的新密码不一致');
      return;
    }
    busy(form, async () => {
      try {
        await api('POST', '/api/v1/me/password', { current_password: form.current_password.value, new_password: form.new_password.value });
        try { await api('POST', '/api/v1/auth/logout', {}); } catch { /* ended already */ }
        logout('密码已修改，请用新密码重新登录。');
      } catch (err) {
        showError(err, form);
      }
    });
  });
}

// ---------- Inbox ----------

function inboxHash(q) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v) p.set(k, v);
  return '#/inbox?' + p.toString();
}

// inboxDepartments are the departments whose tasks the user may list: every department for the
// office, auditors and leaders of the county (who read the dashboard), else where they hold a role.
function inboxDepartments() {
  const all = can('dashboard:read');
  return Object.entries(S.depts).filter(([code]) => !['county', 'public'].includes(code)
    && (all || S.me.roles.some((r) => r.department === code)));
}

// spanText says how long ms is, in the largest sensible unit (calendar time).
function spanText(ms) {
  const min = Math.floor(ms / 60000);
  if (min < 1) return L('不到 1 分钟', 'under 1 min');
  if (min < 60) return L(`${min} 分钟`, `${min} min`);
  const hours = Math.floor(min / 60);
  if (hours < 24) return L(`${hours} 小时`, `${hours} h`);
  const days = Math.floor(hours / 24);
  return L(`${days} 天`, `${days} d`);
}

// timeLeft is an open task's time to its deadline: the working days the server counts on the
// holiday calendar, or calendar time where it gives none.
function timeLeft(t) {
  if (t.state !== 'open' || !t.deadline) return '';
  const ms = new Date(t.deadline).getTime() - Date.now();
  const late = ms < 0;
  const hours = Math.round(ms / 3600000);
  // The server counts working days on the holiday calendar; calendar time is the fallback.
  const wd = t.working_days_left;
  if (wd !== undefined && wd !== null) {
    const text = wd < 0 ? L(`已超期 ${-wd} 个工作日`, `${-wd} working days overdue`)
      : late ? L('已超期', 'overdue') : L(`剩 ${wd} 个工作日`, `${wd} working days left`);
    return html`<span class="left ${late ? 'left-late' : wd < 1 ? 'left-soon' : ''}" data-hours-left="${hours}" data-working-days-left="${wd}"
      title="${L('按节假日日历计算的工作日', 'Working days on the holiday calendar')}">${text}</span>`;
  }
  const text = late ? L(`已超期 ${spanText(-ms)}`, `${spanText(-ms)} overdue`) : L(`剩余 ${spanText(ms)}`, `${spanText(ms)} left`);
  return html`<span class="left ${late ? 'left-late' : ms < 86400000 ? 'left-soon' : ''}" data-hours-left="${hours}"
    title="${L('按日历时间计算（非工作日）', 'Calendar time, not working days')}">${text}</span>`;
}

async function pageInbox(ctx) {
  const q = {};
  for (const k of ['scope', 'warning', 'process', 'department', 'state', 'from', 'to']) q[k] = ctx.query.get(k) || '';
  if (!SCOPES.some(([s]) => s === q.scope)) q.scope = 'mine';
  const opt = (value, text, cur) => html`<option value="${value}" ${value === cur ? 'selected' : ''}>${text}</option>`;
  const depts = inboxDepartments();
  const bulk = (q.scope === 'claimable' || q.scope === 'department') && can('task:claim');
  const cols = bulk ? 9 : 8;
  const period = q.from || q.to;
  ctx.render(html`
    <div class="page-head">
      <h1>待办事项</h1>
      <form class="filters" id="inbox-filters">
        <label>预警 <select name="warning" id="inbox-warning">${opt('', '全部', q.warning)}${opt('red', '红牌', q.warning)}${opt('yellow', '黄牌', q.warning)}${opt('none', '正常', q.warning)}</select></label>
        <label>流程 <select name="process" id="inbox-process">${opt('', '全部', q.process)}${Object.entries(PROCESSES).map(([v, t]) => opt(v, t, q.process))}</select></label>
        ${depts.length > 1 || q.department ? html`<label>单位 <select name="department" id="inbox-department">${opt('', '全部', q.department)}${depts.map(([v, t]) => opt(v, t, q.department))}</select></label>` : ''}
        <label>状态 <select name="state" id="inbox-state">${opt('', '全部', q.state)}${opt('open', '待办理', q.state)}${opt('done', '已办结', q.state)}</select></label>
      </form>
    </div>
    ${period ? html`<p class="chips" id="inbox-period"><span class="chip">办结日期 ${q.from || '…'} 至 ${q.to || '…'}</span>
      <a href="${inboxHash({ ...q, from: '', to: '' })}">清除时间段</a></p>` : ''}
    <div class="tabs" role="tablist" aria-label="待办分类">
      ${SCOPES.map(([s, text]) => html`<a role="tab" class="tab ${s === q.scope ? 'active' : ''}" id="tab-${s}" data-scope="${s}"
        aria-selected="${s === q.scope}" href="${inboxHash({ ...q, scope: s })}">${text}</a>`)}
    </div>
    <div class="card flush">
      ${bulk ? html`<div class="bulk-bar" id="inbox-bulk">
        <button type="button" class="btn btn-sm btn-primary" id="inbox-bulk-claim" disabled>批量认领</button>
        <span class="muted small" id="inbox-selected" data-count="0">${L('已选 0 件', '0 selected')}</span>
        <div id="inbox-progress" class="progress-slot" hidden></div></div>` : ''}
      <div class="table-wrap"><table class="table" id="inbox-table">
        <thead><tr>${bulk ? html`<th class="check-col"><input type="checkbox" id="inbox-select-all" aria-label="全选可认领的待办"></th>` : ''}<th>办件</th><th>环节</th><th>承办单位</th><th>承办人</th><th>办理时限</th><th>预警</th><th>状态</th><th class="actions-col">操作</th></tr></thead>
        <tbody id="inbox-rows"><tr class="empty"><td colspan="${cols}">正在加载…</td></tr></tbody>
      </table></div>
      <div class="more"><button type="button" class="btn" id="inbox-more" hidden>加载更多</button></div>
    </div>
    <p class="muted small">剩余时间按节假日日历的工作日计算（含调休）；红牌、黄牌按工作日办理时限判定。</p>`);
  $('#inbox-filters').addEventListener('change', (ev) => {
    location.hash = inboxHash({ ...q, [ev.target.name]: ev.target.value });
  });

  const rows = $('#inbox-rows');
  const more = $('#inbox-more');
  let cursor = '';
  let first = true;
  async function load() {
    const p = new URLSearchParams({ scope: q.scope, limit: '50' });
    for (const k of ['warning', 'process', 'department', 'state', 'from', 'to']) if (q[k]) p.set(k, q[k]);
    if (cursor) p.set('cursor', cursor);
    const page = await api('GET', '/api/v1/tasks?' + p.toString());
    if (ctx.stale()) return;
    const body = html`${page.items.map((t) => inboxRow(t, bulk))}`;
    if (first) {
      setHTML(rows, page.items.length ? body : emptyRow(cols, q.scope === 'mine' && !q.state
        ? '暂无待办。可在“可认领”中认领本单位的待办。' : '暂无记录。'));
      first = false;
    } else rows.insertAdjacentHTML('beforeend', body.s);
    cursor = page.next_cursor || '';
    more.hidden = !cursor;
    syncSelection();
  }
  more.addEventListener('click', () => busy(more.parentElement, () => load().catch((e) => showError(e))));
  rows.addEventListener('click', (ev) => {
    const btn = ev.target.closest('button[data-action="claim"]');
    if (!btn) return;
    btn.disabled = true;
    api('POST', `/api/v1/tasks/${encodeURIComponent(btn.dataset.taskId)}/claim`)
      .then(() => go(inboxHash({ ...q, scope: 'mine', state: '' }), '已认领，任务已进入“我的待办”。'))
      .catch((e) => { btn.disabled = false; showError(e); });
  });

  // Bulk claim: tick claimable rows, claim them one after another, then say what happened.
  function syncSelection() {
    if (!bulk) return;
    const boxes = $$('input.row-check', rows);
    const ticked = boxes.filter((b) => b.checked);
    const all = $('#inbox-select-all');
    all.checked = boxes.length > 0 && ticked.length === boxes.length;
    all.indeterminate = ticked.length > 0 && ticked.length < boxes.length;
    all.disabled = boxes.length === 0;
    const counter = $('#inbox-selected');
    counter.textContent = L(`已选 ${ticked.length} 件`, `${ticked.length} selected`);
    counter.dataset.count = String(ticked.length);
    $('#inbox-bulk-claim').disabled = ticked.length === 0;
  }
  if (bulk) {
    rows.addEventListener('change', (ev) => { if (ev.target.matches('input.row-check')) syncSelection(); });
    $('#inbox-select-all').addEventListener('change', (ev) => {
      $$('input.row-check', rows).forEach((b) => { b.checked = ev.target.checked; });
      syncSelection();
    });
    const bar = $('#inbox-bulk');
    $('#inbox-bulk-claim').addEventListener('click', () => {
      const ids = $$('input.row-check:checked', rows).map((b) => b.value);
      if (!ids.length) return;
      busy(bar, () => withProgress($('#inbox-progress'), L(`正在认领 0 / ${ids.length}…`, `Claiming 0 / ${ids.length}…`), async (say) => {
        let claimed = 0;
        const conflicts = [];
        const failed = [];
        for (const [i, id] of ids.entries()) {
          say(L(`正在认领 ${i + 1} / ${ids.length}…`, `Claiming ${i + 1} / ${ids.length}…`));
          try {
            await api('POST', `/api/v1/tasks/${encodeURIComponent(id)}/claim`);
            claimed++;
          } catch (err) {
            if (!S.token) return;
            if (err instanceof ApiError && err.status === 409) conflicts.push(id); else failed.push(errorText(err));
          }
        }
        const parts = [L(`已认领 ${claimed} 件`, `${claimed} claimed`)];
        if (claimed) parts[0] += L('（已进入“我的待办”）', ' (now in My tasks)');
        if (conflicts.length) parts.push(L(`${conflicts.length} 件已被他人认领或已办结（冲突）`, `${conflicts.length} already taken by someone else (conflict)`));
        if (failed.length) parts.push(L(`${failed.length} 件认领失败：${failed[0]}`, `${failed.length} failed: ${failed[0]}`));
        go(location.hash, parts.join(L('；', '; ')) + L('。', '.'), conflicts.length || failed.length ? 'error' : 'ok');
      }));
    });
  }
  await load();
}

function inboxRow(t, bulk) {
  const claimable = allows(t, 'claim');
  const outcome = t.outcome ? html` · ${outcomeLabel(t, t.outcome)}` : '';
  const title = t.case_title || t.case_id;
  return html`
    <tr data-task-id="${t.id}" data-case-id="${t.case_id}" data-state="${t.state}" data-department="${t.department}" data-warning="${t.warning || ''}">
      ${bulk ? html`<td class="check-col" data-label="选择">${claimable ? html`<input type="checkbox" class="row-check" value="${t.id}" aria-label="选择：${title}">` : ''}</td>` : ''}
      <td data-label="办件"><a class="case-link" href="#/case/${encodeURIComponent(t.case_id)}">${title}</a>
        <div class="muted small">${PROCESSES[t.process] || t.process}${t.urge_count ? html` · <span class="urged">已催办 ${t.urge_count} 次</span>` : ''}${t.escalation ? html` · <span class="urged">督办 ${t.escalation} 级</span>` : ''}</div></td>
      <td data-label="环节">${t.step_name || STEPS[t.step] || t.step}${t.attempt > 1 ? html` <span class="muted small">第${t.attempt}轮</span>` : ''}</td>
      <td data-label="承办单位">${deptName(t.department)}</td>
      <td data-label="承办人">${t.assignee || html`<span class="muted">未认领</span>`}</td>
      <td data-label="办理时限">${deadlineCell(t)}</td>
      <td data-label="预警">${warnBadge(t.warning) || html`<span class="muted">—</span>`}</td>
      <td data-label="状态">${taskBadge(t)}${outcome}${t.decided_at ? html`<div class="muted small">${fmtTime(t.decided_at)}</div>` : ''}</td>
      <td data-label="操作" class="actions-col">
        ${claimable ? html`<button type="button" class="btn btn-sm" data-action="claim" data-task-id="${t.id}">认领</button>` : ''}
        <a class="btn btn-sm ${canDecide(t) ? 'btn-primary' : ''}" data-action="open" href="#/case/${encodeURIComponent(t.case_id)}">${canDecide(t) ? '办理' : '查看'}</a>
      </td>
    </tr>`;
}

// ---------- Dashboard (督办看板) ----------

// drillHash maps a dashboard drill link (an API list) to the console page that shows that
// list with the same filters, or '' when the user may not open that page.
function drillHash(apiURL) {
  if (!apiURL) return '';
  const u = new URL(apiURL, location.origin);
  const pick = (...keys) => {
    const out = new URLSearchParams();
    for (const k of keys) if (u.searchParams.get(k)) out.set(k, u.searchParams.get(k));
    return out.toString() ? '?' + out.toString() : '';
  };
  switch (u.pathname) {
    case '/api/v1/tasks': return can('task:read') ? '#/inbox' + pick('scope', 'department', 'process', 'state', 'warning', 'from', 'to') : '';
    case '/api/v1/cases': return can('case:read') ? '#/cases' + pick('process', 'state', 'from', 'to', 'on') : '';
    case '/api/v1/pairings': return can('pairing:read') ? '#/liaison' + pick('overdue', 'leader', 'state') : '';
    case '/api/v1/demands': return seesDemands() ? '#/demands' + pick('status', 'department', 'type') : '';
    case '/api/v1/liaison/compliance': return can('liaison:compliance') ? '#/compliance' + pick('year') : '';
    case '/api/v1/subsidy-budgets':
    case '/api/v1/payments': return can('subsidy:read') ? '#/funds' : '';
    default: return '';
  }
}

// metric is a number that links to the list behind it (or plain text when the user may not
// open that list); data-metric and data-value name it for scripts.
function metric(value, href, name, extra = {}) {
  const none = value === null || value === undefined;
  const text = none ? '—' : String(value);
  const data = html`data-metric="${name}" data-value="${none ? '' : value}" ${extra.department ? html`data-department="${extra.department}"` : ''}`;
  return href && !none
    ? html`<a class="metric ${extra.cls || ''}" href="${href}" ${data} ${extra.title ? html`title="${extra.title}"` : ''}>${text}${extra.unit || ''}</a>`
    : html`<span class="metric ${extra.cls || ''}" ${data}>${text}${none ? '' : extra.unit || ''}</span>`;
}

// shortName keeps a department's bar label short: no county prefix, no parenthesis.
function shortName(name) {
  const s = String(name || '').replace(/（.*?）/g, '').replace(/^县/, '');
  return s.length > 9 ? s.slice(0, 8) + '…' : s;
}

// periodOf is this month, quarter or year up to today (China time).
function periodOf(kind) {
  const today = chinaToday();
  const y = today.slice(0, 4);
  const m = Number(today.slice(5, 7));
  if (kind === 'month') return [`${y}-${pad(m)}-01`, today];
  if (kind === 'quarter') return [`${y}-${pad(Math.floor((m - 1) / 3) * 3 + 1)}-01`, today];
  return [`${y}-01-01`, today];
}

const hoursText = (h) => (h === null || h === undefined ? '—' : L(`${h} 小时`, `${h} h`));
const WARN_WORDS = { red: '红牌', yellow: '黄牌', open: '正常' };

// deptBars is the bar chart of the departments with open tasks: red, yellow and the rest,
// each part a link to the department's tasks with that card.
function deptBars(rows) {
  const list = rows.filter((r) => r.open > 0).slice(0, 12);
  if (!list.length) return html`<p class="muted" id="dash-bars-empty">当前没有在办任务。</p>`;
  const W = 640;
  const left = 150;
  const right = 60;
  const rowH = 30;
  const barH = 18;
  const top = 4;
  const max = Math.max(...list.map((r) => r.open));
  const scale = (n) => (n / max) * (W - left - right);
  const H = top * 2 + list.length * rowH;
  return html`<svg class="chart" id="dash-bars" viewBox="0 0 ${W} ${H}" role="group" aria-labelledby="dash-bars-title">
    ${list.map((r, i) => {
      const y = top + i * rowH;
      const by = y + (rowH - barH) / 2;
      const name = r.name || deptName(r.department);
      let x = left;
      const parts = [['red', r.red], ['yellow', r.yellow], ['open', r.open - r.red - r.yellow]].filter(([, n]) => n > 0);
      const label = drillHash(r.drill.open);
      return html`<g class="bar-row" data-department="${r.department}">
        ${label ? html`<a href="${label}" data-department="${r.department}" data-metric="label" aria-label="${name} 在办 ${r.open} 件">
          <text class="bar-label" x="${left - 8}" y="${y + rowH / 2}" text-anchor="end" dominant-baseline="central">${shortName(name)}<title>${name}</title></text></a>`
        : html`<text class="bar-label" x="${left - 8}" y="${y + rowH / 2}" text-anchor="end" dominant-baseline="central">${shortName(name)}<title>${name}</title></text>`}
        ${parts.map(([kind, n]) => {
          const w = Math.max(3, scale(n));
          const rect = html`<rect class="seg seg-${kind}" x="${x.toFixed(1)}" y="${by}" width="${w.toFixed(1)}" height="${barH}"><title>${name} ${WARN_WORDS[kind]} ${n} 件</title></rect>`;
          x += w;
          const href = drillHash(kind === 'open' ? r.drill.open : r.drill[kind]);
          return href ? html`<a href="${href}" class="seg-link" data-department="${r.department}" data-metric="${kind}" data-value="${n}"
            aria-label="${name} ${WARN_WORDS[kind]} ${n} 件">${rect}</a>` : rect;
        })}
        <text class="bar-value" x="${(x + 6).toFixed(1)}" y="${y + rowH / 2}" dominant-baseline="central">${r.open}</text>
      </g>`;
    })}
  </svg>
  <div class="legend" aria-hidden="true"><span class="key key-red"></span>红牌 <span class="key key-yellow"></span>黄牌 <span class="key key-open"></span>正常（在办）</div>`;
}

// niceMax rounds a chart's top up to 1, 2 or 5 times a power of ten.
function niceMax(v) {
  const p = 10 ** Math.floor(Math.log10(Math.max(1, v)));
  const m = v / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

// trendChart is the weekly line of cases started and finished (all processes, or the one
// filtered), with a table of the same numbers.
function trendChart(processes, process) {
  const weeks = processes.length ? processes[0].weeks.map((w) => w.week) : [];
  if (!weeks.length) return html`<p class="muted">统计期内没有办件。</p>`;
  const total = (key) => weeks.map((_, i) => processes.reduce((n, p) => n + ((p.weeks[i] || {})[key] || 0), 0));
  const started = total('started');
  const finished = total('finished');
  const W = 640;
  const H = 220;
  const padL = 36;
  const padR = 16;
  const padT = 14;
  const padB = 30;
  const max = niceMax(Math.max(1, ...started, ...finished));
  const x = (i) => padL + (weeks.length === 1 ? (W - padL - padR) / 2 : (i * (W - padL - padR)) / (weeks.length - 1));
  const y = (v) => padT + (1 - v / max) * (H - padT - padB);
  const line = (vals) => vals.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const every = Math.ceil(weeks.length / 8);
  const ticks = [0, max / 2, max].filter((v) => Number.isInteger(v));
  // Each point drills to the cases submitted (or closed) in its week.
  const weekHref = (i, kind) => {
    const end = new Date(`${weeks[i]}T00:00:00+08:00`);
    end.setUTCDate(end.getUTCDate() + 6);
    const to = new Date(end.getTime() + 8 * 3600000).toISOString().slice(0, 10);
    const p = new URLSearchParams({ from: weeks[i], to, on: kind === 'finished' ? 'closed' : 'submitted' });
    if (process) p.set('process', process);
    return drillHash('/api/v1/cases?' + p.toString());
  };
  const href = drillHash('/api/v1/cases' + (process ? `?process=${encodeURIComponent(process)}` : ''));
  const dots = (vals, kind, word) => vals.map((v, i) => {
    const dot = html`<circle class="dot dot-${kind}" cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="4"><title>${weeks[i]} 当周${word} ${v} 件</title></circle>`;
    const to = weekHref(i, kind);
    return v > 0 && to ? html`<a href="${to}" data-metric="${kind}" data-week="${weeks[i]}" data-value="${v}" aria-label="${weeks[i]} 当周${word} ${v} 件">${dot}</a>` : dot;
  });
  return html`<svg class="chart" id="dash-trend" viewBox="0 0 ${W} ${H}" role="group" aria-labelledby="dash-trend-title">
      ${ticks.map((v) => html`<line class="grid" x1="${padL}" x2="${W - padR}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"/>
        <text class="axis" x="${padL - 6}" y="${y(v).toFixed(1)}" text-anchor="end" dominant-baseline="central">${v}</text>`)}
      ${weeks.map((w, i) => (i % every === 0 ? html`<text class="axis" x="${x(i).toFixed(1)}" y="${H - 8}" text-anchor="middle">${w.slice(5)}</text>` : ''))}
      <polyline class="line line-started" points="${line(started)}"/>
      <polyline class="line line-finished" points="${line(finished)}"/>
      ${dots(started, 'started', '新增')}${dots(finished, 'finished', '办结')}
    </svg>
    <div class="legend" aria-hidden="true"><span class="key key-started"></span>新增办件 <span class="key key-finished"></span>办结办件</div>
    <details id="dash-trend-data"><summary>查看周数据</summary>
      <div class="table-wrap"><table class="table small"><thead><tr><th>周（自周一）</th><th class="num">新增</th><th class="num">办结</th></tr></thead>
        <tbody>${weeks.map((w, i) => html`<tr data-week="${w}"><td data-label="周">${w}</td>
          <td data-label="新增" class="num">${metric(started[i], weekHref(i, 'started') || href, 'started')}</td><td data-label="办结" class="num">${metric(finished[i], weekHref(i, 'finished') || href, 'finished')}</td></tr>`)}</tbody></table></div>
    </details>`;
}

// budgetGauge is one policy's budget: paid, then reserved, on a half dial.
function budgetGauge(s) {
  const pct = (v) => (s.budget_fen > 0 ? Math.min(100, (v * 100) / s.budget_fen) : 0);
  const paid = pct(s.paid_fen);
  const reserved = Math.min(100 - paid, pct(s.reserved_fen));
  const used = s.budget_fen > 0 ? Math.round(((s.paid_fen + s.reserved_fen) * 1000) / s.budget_fen) / 10 : null;
  const arc = 'M 16 84 A 64 64 0 0 1 144 84';
  const href = drillHash(s.drill && s.drill.budget);
  const body = html`<svg class="gauge-svg" viewBox="0 0 160 96" aria-hidden="true">
      <path class="gauge-track" d="${arc}" pathLength="100"/>
      ${paid > 0 ? html`<path class="gauge-paid" d="${arc}" pathLength="100" stroke-dasharray="${paid.toFixed(2)} 200"/>` : ''}
      ${reserved > 0 ? html`<path class="gauge-reserved" d="${arc}" pathLength="100" stroke-dasharray="${reserved.toFixed(2)} 200" stroke-dashoffset="${(-paid).toFixed(2)}"/>` : ''}
      <text class="gauge-pct" x="80" y="80" text-anchor="middle">${used === null ? '—' : `${used}%`}</text>
    </svg>
    <span class="gauge-name">${s.name}</span>
    <span class="muted small">${KINDS[s.kind] || s.kind} · v${s.version} · ${L(`${s.year} 年`, String(s.year))}</span>
    <span class="gauge-figures small"><span class="key key-paid"></span>${L('已发放', 'Paid')} ${yuan(s.paid_fen)}<br><span class="key key-reserved"></span>${L('已占用', 'Reserved')} ${yuan(s.reserved_fen)}<br>${L('年度预算', 'Budget')} ${yuan(s.budget_fen)}</span>`;
  const cls = `gauge ${used !== null && used >= 90 ? 'gauge-high' : ''}`;
  return href
    ? html`<a class="${cls}" href="${href}" data-policy-id="${s.policy_id}" data-used="${used ?? ''}" aria-label="${s.name} 预算已使用 ${used ?? '—'}%">${body}</a>`
    : html`<div class="${cls}" data-policy-id="${s.policy_id}" data-used="${used ?? ''}">${body}</div>`;
}

async function pageDashboard(ctx) {
  const q = {};
  for (const k of ['from', 'to', 'department', 'process']) q[k] = ctx.query.get(k) || '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v) params.set(k, v);
  ctx.render(html`<div class="page-head"><h1>督办看板</h1></div>${progressNote(L('正在汇总督办数据…', 'Gathering the figures…'))}`);
  const d = await api('GET', '/api/v1/dashboard' + (params.toString() ? '?' + params.toString() : ''));
  if (ctx.stale()) return;
  const rows = d.departments;
  const sum = (f) => rows.reduce((n, r) => n + f(r), 0);
  const tasks = (extra) => drillHash('/api/v1/tasks?' + new URLSearchParams(Object.entries({
    scope: 'department', department: q.department, process: q.process, ...extra }).filter(([, v]) => v)).toString());
  const li = d.liaison;
  const dm = d.demands;
  const contactPct = li.contacts_due ? Math.round((li.contacts_done * 1000) / li.contacts_due) / 10 : null;
  const opt = (v, t, cur) => html`<option value="${v}" ${v === cur ? 'selected' : ''}>${t}</option>`;
  const depts = Object.entries(S.depts).filter(([code]) => !['county', 'public'].includes(code));
  const quick = [['month', '本月'], ['quarter', '本季度'], ['year', '本年']];
  const active = quick.find(([k]) => { const [f, t] = periodOf(k); return f === d.from && t === d.to; });
  const toYear = Number(d.to.slice(0, 4));
  const toQuarter = Math.floor((Number(d.to.slice(5, 7)) - 1) / 3) + 1;
  const compliance = drillHash(li.drill && li.drill.contacts);
  const rendered = ctx.render(html`
    <div class="page-head"><div><h1>督办看板</h1>
      <p class="muted small" id="dash-period" data-from="${d.from}" data-to="${d.to}">${L(`统计期 ${d.from} 至 ${d.to}`, `Period ${d.from} to ${d.to}`)}${q.department ? ` · ${deptName(q.department)}` : ''}${q.process ? ` · ${T(PROCESSES[q.process] || q.process)}` : ''} · ${L('在办与红黄牌为当前数', 'open tasks and cards are counted now')}</p></div>
      <button type="button" class="btn" id="dash-refresh">刷新</button></div>
    <form class="card dash-filters" id="dash-filters" novalidate>
      <div class="filters">
        <label>起 <input type="date" name="from" id="dash-from" value="${d.from}" max="${chinaToday()}"></label>
        <label>止 <input type="date" name="to" id="dash-to" value="${d.to}"></label>
        <span class="quick" role="group" aria-label="快速选择统计期">${quick.map(([k, t]) => html`<button type="button" class="btn btn-sm ${active && active[0] === k ? 'btn-primary' : ''}"
          data-range="${k}" id="dash-range-${k}" aria-pressed="${!!active && active[0] === k}">${t}</button>`)}</span>
        <label>单位 <select name="department" id="dash-department">${opt('', '全部', q.department)}${depts.map(([v, t]) => opt(v, t, q.department))}</select></label>
        <label>流程 <select name="process" id="dash-process">${opt('', '全部', q.process)}${Object.entries(PROCESSES).map(([v, t]) => opt(v, t, q.process))}</select></label>
        <button type="submit" class="btn btn-primary btn-sm" id="dash-apply">查询</button>
      </div>
      <div class="field-error" data-error-for="from"></div>
    </form>
    <section class="stats" id="dash-kpis" aria-label="在办任务与红黄牌">
      <div class="stat"><span class="stat-value">${metric(sum((r) => r.open), tasks({ state: 'open' }), 'open')}</span><span class="stat-label">在办任务</span></div>
      <div class="stat ${sum((r) => r.red) ? 'stat-bad' : ''}"><span class="stat-value">${metric(sum((r) => r.red), tasks({ state: 'open', warning: 'red' }), 'red')}</span><span class="stat-label">红牌（已超时限）</span></div>
      <div class="stat stat-warn"><span class="stat-value">${metric(sum((r) => r.yellow), tasks({ state: 'open', warning: 'yellow' }), 'yellow')}</span><span class="stat-label">黄牌（临近时限）</span></div>
      <div class="stat"><span class="stat-value">${metric(sum((r) => r.done), tasks({ state: 'done', from: d.from, to: d.to }), 'done')}</span><span class="stat-label">期内办结任务</span></div>
      <div class="stat ${li.overdue_pairings ? 'stat-bad' : ''}"><span class="stat-value">${metric(li.overdue_pairings, drillHash(li.drill.overdue_pairings), 'overdue_pairings')}</span><span class="stat-label">联系逾期结对</span></div>
      <div class="stat ${dm.overdue ? 'stat-bad' : ''}"><span class="stat-value">${metric(dm.overdue, drillHash(dm.drill.open), 'demands_overdue')}</span><span class="stat-label">超期诉求</span></div>
    </section>
    <div class="dash-grid">
      <section class="card" id="dash-bars-card"><h2 id="dash-bars-title">各单位在办任务与红黄牌</h2>${deptBars(rows)}</section>
      <section class="card" id="dash-trend-card"><h2 id="dash-trend-title">办件趋势（按周）</h2>${trendChart(d.processes, q.process)}</section>
    </div>
    <section class="card flush" id="dash-departments-card"><h2>各单位办理情况</h2>
      <div class="table-wrap"><table class="table" id="dash-departments">
        <thead><tr><th>单位</th><th class="num">在办</th><th class="num">红牌</th><th class="num">黄牌</th><th class="num">期内办结</th>
          <th class="num">用时中位数</th><th class="num">用时 P90</th><th class="num">按时办结率</th></tr></thead>
        <tbody>${rows.length ? rows.map((r) => html`<tr data-department="${r.department}">
          <td data-label="单位">${r.name || deptName(r.department)}</td>
          <td data-label="在办" class="num">${metric(r.open, drillHash(r.drill.open), 'open', { department: r.department })}</td>
          <td data-label="红牌" class="num">${metric(r.red, drillHash(r.drill.red), 'red', { department: r.department, cls: r.red ? 'metric-red' : '' })}</td>
          <td data-label="黄牌" class="num">${metric(r.yellow, drillHash(r.drill.yellow), 'yellow', { department: r.department, cls: r.yellow ? 'metric-yellow' : '' })}</td>
          <td data-label="期内办结" class="num">${metric(r.done, drillHash(r.drill.done), 'done', { department: r.department })}</td>
          <td data-label="用时中位数" class="num">${hoursText(r.median_hours)}</td>
          <td data-label="用时 P90" class="num">${hoursText(r.p90_hours)}</td>
          <td data-label="按时办结率" class="num ${r.on_time_pct !== null && r.on_time_pct < 80 ? 'bad' : ''}">${pctText(r.on_time_pct)}</td></tr>`)
        : emptyRow(8, '统计期内没有任务。')}</tbody></table></div>
      <p class="muted small pad">在办、红牌、黄牌为当前数；办结、用时（工作小时）与按时率按统计期内办结的任务计算。点击数字查看对应的待办列表。</p></section>
    <section class="card" id="dash-budgets"><h2>补贴预算执行 <span class="muted small">已发放与已占用占年度预算的比例</span></h2>
      ${d.subsidies.length ? html`<div class="gauges">${d.subsidies.map(budgetGauge)}</div>` : html`<p class="muted">统计期内没有补贴政策。</p>`}
      <div class="legend" aria-hidden="true"><span class="key key-paid"></span>已发放 <span class="key key-reserved"></span>已占用 <span class="key key-track"></span>可用余额</div></section>
    <div class="dash-grid">
      <section class="card" id="dash-liaison"><h2>联系服务 <span class="muted small">${L(`${li.year} 年`, String(li.year))}</span></h2>
        <dl class="kpis">
          <div><dt>已联系 / 应联系（次）</dt><dd>${metric(li.contacts_done, compliance, 'contacts_done')} / ${metric(li.contacts_due, compliance, 'contacts_due')}</dd></div>
          <div><dt>联系完成率</dt><dd>${pctText(contactPct)}<span class="forecast-bar" aria-hidden="true"><span class="forecast-fill ${contactPct !== null && contactPct < 100 ? 'fill-bad' : 'fill-ok'} ${widthClass(contactPct)}"></span></span></dd></div>
          <div><dt>联系逾期结对</dt><dd>${metric(li.overdue_pairings, drillHash(li.drill.overdue_pairings), 'overdue_pairings', { cls: li.overdue_pairings ? 'metric-red' : '' })}</dd></div>
        </dl>
        ${li.leaders.length ? html`<div class="table-wrap"><table class="table small" id="dash-leaders"><thead><tr><th>联系领导</th><th class="num">已联系 / 应联系</th><th class="num">逾期</th></tr></thead>
          <tbody>${li.leaders.map((l) => html`<tr data-leader="${l.leader}"><td data-label="联系领导">${person(l.name, l.leader)}</td>
            <td data-label="联系" class="num">${metric(l.contacts_done, compliance, 'leader_done')} / ${l.contacts_due}</td>
            <td data-label="逾期" class="num">${metric(l.overdue, drillHash(`/api/v1/pairings?leader=${encodeURIComponent(l.leader)}`), 'leader_overdue', { cls: l.overdue ? 'metric-red' : '' })}</td></tr>`)}</tbody></table></div>` : ''}
      </section>
      <section class="card" id="dash-demands"><h2>人才诉求 <span class="muted small">统计期内提出</span></h2>
        <dl class="kpis">
          <div><dt>办理中</dt><dd>${metric(dm.open, drillHash(dm.drill.open), 'demands_open')}</dd></div>
          <div><dt>已办结</dt><dd>${metric(dm.closed, drillHash(dm.drill.closed), 'demands_closed')}</dd></div>
          <div><dt>超期（红牌）</dt><dd>${metric(dm.overdue, drillHash(dm.drill.open), 'demands_overdue', { cls: dm.overdue ? 'metric-red' : '', title: '打开办理中的诉求，超期者标红牌' })}</dd></div>
          <div><dt>平均评价</dt><dd>${metric(dm.avg_rating, drillHash(dm.drill.closed), 'avg_rating', { unit: L(' 分', '') })}</dd></div>
          <div><dt>办结用时中位数</dt><dd>${hoursText(dm.median_resolution_hours)}</dd></div>
          <div><dt>办结率</dt><dd>${pctText(dm.open + dm.closed ? Math.round((dm.closed * 1000) / (dm.open + dm.closed)) / 10 : null)}</dd></div>
        </dl></section>
    </div>
    <section class="card flush" id="dash-processes-card"><h2>各流程办件</h2>
      <div class="table-wrap"><table class="table" id="dash-processes"><thead><tr><th>流程</th><th class="num">期内新增</th><th class="num">期内办结</th><th>当前状态分布</th></tr></thead>
        <tbody>${d.processes.length ? d.processes.map((p) => {
          const cases = drillHash(p.drill.cases);
          return html`<tr data-process="${p.process}"><td data-label="流程">${PROCESSES[p.process] || p.process}</td>
            <td data-label="期内新增" class="num">${metric(p.started, cases, 'started')}</td><td data-label="期内办结" class="num">${metric(p.finished, cases, 'finished')}</td>
            <td data-label="状态"><div class="chips">${Object.entries(p.states).sort((a, b) => b[1] - a[1]).map(([st, n]) => {
              const href = drillHash(`/api/v1/cases?process=${encodeURIComponent(p.process)}&state=${encodeURIComponent(st)}`);
              const inner = html`${CASE_STATES[st] || st} <strong>${n}</strong>`;
              return href ? html`<a class="chip" href="${href}" data-state="${st}" data-value="${n}">${inner}</a>` : html`<span class="chip" data-state="${st}" data-value="${n}">${inner}</span>`;
            })}</div></td></tr>`;
        }) : emptyRow(4, '暂无办件。')}</tbody></table></div></section>
    <section class="card" id="dash-report"><h2>人才工作联席会季度报告</h2>
      <form id="report-form" class="filters" novalidate>
        <label>年度 <select name="year" id="report-year">${[toYear, toYear - 1, toYear - 2].map((y) => opt(String(y), L(`${y} 年`, String(y)), String(toYear)))}</select></label>
        <label>季度 <select name="quarter" id="report-quarter">${[1, 2, 3, 4].map((n) => opt(String(n), ['第一季度', '第二季度', '第三季度', '第四季度'][n - 1], String(toQuarter)))}</select></label>
        <button type="button" class="btn btn-primary" id="report-xlsx" data-format="xlsx">下载 Excel 报告（XLSX）</button>
        <button type="button" class="btn" id="report-csv" data-format="csv">下载 CSV</button>
      </form>
      <div id="report-progress" class="progress-slot" hidden></div>
      <p class="muted small">报告含单位办理情况、流程办件、补贴预算执行、联系服务四部分，口径与本看板一致，供联席会使用。</p></section>`);
  if (!rendered) return;

  const form = $('#dash-filters');
  const apply = (next) => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...q, ...next })) if (v) p.set(k, v);
    location.hash = '#/dashboard' + (p.toString() ? '?' + p.toString() : '');
  };
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearFieldErrors(form);
    const from = $('#dash-from').value;
    const to = $('#dash-to').value;
    if (from && to && from > to) {
      fieldError(form, 'from', L('起始日期不能晚于截止日期', 'The start is after the end'));
      flash(L('起始日期不能晚于截止日期。', 'The start is after the end.'), 'error');
      return;
    }
    apply({ from, to, department: $('#dash-department').value, process: $('#dash-process').value });
  });
  form.addEventListener('change', (ev) => {
    if (ev.target.tagName === 'SELECT') form.requestSubmit();
  });
  $$('button[data-range]', form).forEach((b) => b.addEventListener('click', () => {
    const [from, to] = periodOf(b.dataset.range);
    apply({ from, to });
  }));
  $('#dash-refresh').addEventListener('click', () => go(location.hash));
  const report = $('#report-form');
  $$('button[data-format]', report).forEach((b) => b.addEventListener('click', () => {
    const year = $('#report-year').value;
    const quarter = $('#report-quarter').value;
    const format = b.dataset.format;
    busy(report, () => withProgress($('#report-progress'), L(`正在生成 ${year} 年第 ${quarter} 季度联席会报告（${format.toUpperCase()}），数据较多时需要数秒…`,
      `Preparing the ${year} Q${quarter} joint-meeting report (${format.toUpperCase()})…`), async () => {
      try {
        const name = await downloadFile(`/api/v1/reports/quarterly?year=${year}&quarter=${quarter}&format=${format}`,
          `人才工作联席会-${year}Q${quarter}.${format}`);
        flash(L(`已下载联席会报告：${name}`, `Downloaded the report: ${name}`));
      } catch (err) {
        flash(`${L('报告生成失败', 'The report failed')}：${errorText(err)}`, 'error');
      }
    }));
  }));
}

// ---------- Case ----------

// The server says, per task, what its step offers and what the caller may do now.
const allows = (t, action) => (t.actions || []).includes(action);
// reasonRequired: every outcome but approve needs a reason; a demand's reply and its 整改 are
// themselves the comment. A pairing request's approval names people instead (pairingStep).
const reasonRequired = (t, outcome) => outcome !== 'approve' || (t.process === 'demand' && (t.step === 'reply' || t.step === 'rectify'));
const pairingStep = (t) => t.process === 'pairing_request' && t.step === 'pairing';
// What an outcome means at the steps of the liaison processes, where 同意 would be unclear.
const STEP_OUTCOMES = {
  'pairing_request/pairing': { approve: '确定结对' },
  'demand/reply': { approve: '答复（办理完毕）', forward: '转交其他单位' },
  'demand/verify': { approve: '答复属实，请人才评价', return: '退回重新答复' },
  'demand/complaint': { approve: '差评属实，转整改', reject: '评价不实（申诉复核）' },
  'demand/rectify': { approve: '整改完成' },
};
const outcomeLabel = (t, o) => (STEP_OUTCOMES[`${t.process}/${t.step}`] || {})[o] || label('outcomes', o);
const canDecide = (t) => allows(t, 'decide');

async function pageCase(ctx, id) {
  const c = await api('GET', `/api/v1/cases/${encodeURIComponent(id)}`);
  const own = c.applicant && c.applicant.id === S.me.id;
  const actionable = (c.tasks || []).filter(canDecide);
  // Deciding a pairing request names a county leader and a service specialist.
  const people = actionable.some(pairingStep) ? await loadPeople() : null;
  if (ctx.stale()) return;
  const side = [decisionCard(c, actionable, people), own ? applicantCard(c) : '', objectionCard(c, own), rateCard(c)].filter(Boolean);
  const back = can('task:read') ? html`<a href="#/inbox">待办事项</a>` : html`<a href="#/apply">我的申请</a>`;
  const rendered = ctx.render(html`
    <div class="case-head">
      <div>
        <div class="crumbs">${back} / 办件详情</div>
        <h1>${c.title || c.id}</h1>
        <div class="muted">${c.id} · ${PROCESSES[c.process] || c.process}${c.category ? html` · ${categoryText(c.category)}` : ''}</div>
      </div>
      <div class="case-head-state">${stateBadge(c.state, 'case-state')}${warnBadge(c.warning)}</div>
    </div>
    <div class="case-grid ${side.length ? '' : 'no-side'}">
      ${side.length ? html`<aside class="case-side">${side}</aside>` : ''}
      <div class="case-main">
        ${stepsCard(c)}
        ${summaryCard(c)}
        ${c.profile ? processCard(c) : ''}
        ${tasksCard(c)}
        ${timelineCard(c)}
        ${c.attachments && c.attachments.length ? attachmentsCard(c.attachments) : ''}
        ${c.audit && c.audit.length ? auditCard(c.audit) : ''}
      </div>
    </div>`);
  if (!rendered) return;
  const reload = (message, kind) => go(location.hash, message, kind);
  bindDecision(c, actionable, reload, people);
  if (own) bindApplicant(c, reload);
  bindObjection(c, reload);
  bindTaskActions(c, reload);
  bindAttachments();
}

// caseSteps are the steps a case has been through, in order of first appearance in its tasks
// and timeline: each with its name, the time from its first task's opening (or its first
// timeline entry) to its last decision (or now, while it runs), its tasks and its cards.
function caseSteps(c) {
  const steps = new Map();
  const step = (key, at) => {
    if (!steps.has(key)) steps.set(key, { key, name: '', start: null, end: null, open: 0, done: 0, warning: '', first: at });
    return steps.get(key);
  };
  const time = (ts) => (ts ? new Date(ts).getTime() : null);
  const events = [...(c.timeline || [])].filter((e) => e.step).map((e) => ({ key: e.step, at: time(e.at) }));
  for (const t of c.tasks || []) events.push({ key: t.step, at: time(t.opened_at) });
  events.sort((a, b) => a.at - b.at);
  for (const e of events) step(e.key, e.at);
  for (const t of c.tasks || []) {
    const s = step(t.step, time(t.opened_at));
    s.name = s.name || t.step_name;
    const opened = time(t.opened_at);
    if (opened !== null && (s.start === null || opened < s.start)) s.start = opened;
    if (t.state === 'open' || t.state === 'paused') s.open++;
    if (t.state === 'done') {
      s.done++;
      const decided = time(t.decided_at);
      if (decided !== null && (s.end === null || decided > s.end)) s.end = decided;
    }
    if (t.state === 'open' && (t.warning === 'red' || (t.warning === 'yellow' && s.warning !== 'red'))) s.warning = t.warning;
  }
  const list = [...steps.values()];
  const finished = !!c.closed_at;
  list.forEach((s, i) => {
    s.name = s.name || STEPS[s.key] || s.key;
    if (s.start === null) s.start = s.first;
    s.current = !finished && (s.key === c.current_step || s.open > 0);
    if (s.current) s.end = null; // it runs until now
    else if (s.end === null) {
      // A step without decided tasks (a public notice) lasts until the next step starts.
      s.end = i + 1 < list.length ? list[i + 1].first : time(c.closed_at) || time(c.updated_at) || s.start;
    }
  });
  return list;
}

// stepsCard draws the case's process as boxes, one per step, the current one highlighted.
function stepsCard(c) {
  const steps = caseSteps(c);
  if (!steps.length) return '';
  const now = Date.now();
  return html`<section class="card" id="case-steps" aria-labelledby="case-steps-title"><h2 id="case-steps-title">流程进度</h2>
    <ol class="steps">${steps.map((s, i) => {
      const state = s.current ? 'current' : 'done';
      const spent = s.start === null ? '' : spanText(Math.max(0, (s.end === null ? now : s.end) - s.start));
      return html`<li class="step step-${state} ${s.warning ? `step-${s.warning}` : ''}" data-step="${s.key}" data-state="${state}"
        ${s.current ? html`aria-current="step"` : ''}>
        <span class="step-no" aria-hidden="true">${state === 'done' ? '✓' : i + 1}</span>
        <span class="step-name">${s.name}</span>
        <span class="step-time" data-ms="${s.start === null ? '' : (s.end === null ? now : s.end) - s.start}">${spent
          ? (s.current ? L(`已用 ${spent}`, `${spent} so far`) : L(`用时 ${spent}`, `took ${spent}`)) : ''}</span>
        <span class="step-meta muted small">${s.current ? html`<strong>${L('当前环节', 'current step')}</strong>` : ''}${s.open + s.done > 1
          ? L(` ${s.done}/${s.open + s.done} 已办`, ` ${s.done}/${s.open + s.done} done`) : ''}${s.warning ? html` ${warnBadge(s.warning)}` : ''}</span>
      </li>`;
    })}${c.closed_at ? html`<li class="step step-end" data-step="" data-state="end"><span class="step-no" aria-hidden="true">■</span>
      <span class="step-name">${CASE_STATES[c.state] || c.state}</span><span class="step-time">${fmtTime(c.closed_at)}</span></li>` : ''}</ol>
    <p class="muted small">用时按日历时间计算：自该环节首个待办生成起，至最后一次办理（进行中的环节至当前）。</p></section>`;
}

function summaryCard(c) {
  const rows = [
    ['当前环节', c.step_name || STEPS[c.current_step] || c.current_step],
    ['申请人', c.applicant ? `${c.applicant.name}（${c.applicant.username}）` : ''],
    ['提交时间', fmtTime(c.submitted_at)],
    ['最近更新', fmtTime(c.updated_at)],
    ['补正截止', fmtTime(c.correction_deadline)],
    ['公示截止', fmtTime(c.phase_ends_at)],
    ['证书编号', c.certificate_no],
    ['办结时间', fmtTime(c.closed_at)],
  ].filter((r) => r[1]);
  return html`<section class="card" id="case-summary"><h2>办件概况</h2>
    <dl class="dl">${rows.map(([k, v]) => html`<div><dt>${k}</dt><dd>${v}</dd></div>`)}</dl></section>`;
}

function profileCard(p) {
  const rows = [
    ['姓名', p.name, 'name'], ['公民身份号码', p.id_number, 'id_number'], ['手机号码', p.phone, 'phone'],
    ['最高学历', p.education_label || p.education, 'education'], ['专业技术职称', p.title_label || p.title, 'title'],
    ['专业领域', p.field, 'field'], ['用人单位信用代码', p.employer_credit_code, 'employer_credit_code'],
    ['申报类别', p.category ? `${p.category}类 ${p.category_label || ''}` : '', 'category'],
  ];
  return html`<section class="card" id="case-profile"><h2>申请信息${p.masked ? html` <span class="tag">已脱敏</span>` : ''}</h2>
    <dl class="dl">${rows.map(([k, v, f]) => html`<div><dt>${k}</dt><dd data-field="${f}" class="${f === 'id_number' || f === 'employer_credit_code' ? 'mono' : ''}">${v || '—'}</dd></div>`)}</dl></section>`;
}

function tasksCard(c) {
  const tasks = c.tasks || [];
  const actions = (t) => {
    if (t.state !== 'open') return '';
    const out = [];
    const button = (action, text) => html`<button type="button" class="btn btn-sm" data-action="${action}" data-task-id="${t.id}">${text}</button>`;
    if (allows(t, 'claim')) out.push(button('claim', '认领'));
    if (allows(t, 'release')) out.push(button('unclaim', '释放'));
    if (allows(t, 'urge')) out.push(button('urge', '催办'));
    if (allows(t, 'delegate')) out.push(button('delegate', '转办'));
    if (allows(t, 'add_signer')) out.push(button('signers', '加签'));
    if (allows(t, 'comment')) out.push(button('comments', '评论'));
    return out;
  };
  const anyActions = tasks.some((t) => actions(t).length);
  return html`<section class="card flush" id="case-tasks"><h2>办理环节</h2>
    <div class="table-wrap"><table class="table">
      <thead><tr><th>环节</th><th>承办单位 / 承办人</th><th>状态</th><th>办理时限</th><th>办理意见</th>${anyActions ? html`<th class="actions-col">操作</th>` : ''}</tr></thead>
      <tbody>${tasks.length ? tasks.map((t) => html`
        <tr data-task-id="${t.id}" data-state="${t.state}">
          <td data-label="环节" class="nowrap">${t.step_name || STEPS[t.step] || t.step}<div class="muted small">${MODES[t.mode] || t.mode}${t.attempt > 1 ? ` · 第${t.attempt}轮` : ''}</div></td>
          <td data-label="承办单位">${deptName(t.department)}<div class="small ${t.decided_by || t.assignee ? '' : 'muted'}">${t.decided_by || t.assignee || '未认领'}</div></td>
          <td data-label="状态" class="nowrap">${taskBadge(t)} ${t.state === 'cancelled' ? '' : warnBadge(t.warning)}</td>
          <td data-label="办理时限">${deadlineCell(t)}</td>
          <td data-label="办理意见">${t.outcome ? html`<strong class="outcome-${t.outcome}">${outcomeLabel(t, t.outcome)}</strong> ` : ''}${t.comment || ''}${t.decided_at ? html`<div class="muted small">${fmtTime(t.decided_at)}</div>` : ''}</td>
          ${anyActions ? html`<td data-label="操作" class="actions-col"><div class="row-actions">${actions(t)}</div></td>` : ''}
        </tr>`) : emptyRow(6, '尚未生成办理任务。')}</tbody>
    </table></div>
    <div id="task-panel" class="task-panel" hidden></div></section>`;
}

function timelineCard(c) {
  const stepName = (key) => STEPS[key] || ((c.tasks || []).find((t) => t.step === key) || {}).step_name || key;
  const entries = c.timeline || [];
  return html`<section class="card" id="case-timeline"><h2>流转记录</h2>
    <ol class="timeline" id="timeline">${entries.map((e) => html`
      <li data-kind="${e.kind}" class="tl tl-${e.kind}">
        <div class="tl-time"><time datetime="${e.at}">${fmtTime(e.at)}</time></div>
        <div class="tl-body">
          <div class="tl-title"><strong>${EVENTS[e.kind] || e.kind}</strong>${e.step ? html` · ${stepName(e.step)}` : ''}${e.outcome ? html` · <span class="outcome outcome-${e.outcome}">${outcomeLabel({ process: c.process, step: e.step }, e.outcome)}</span>` : ''}</div>
          ${e.actor || e.department ? html`<div class="muted small">${[
            e.actor ? `${e.actor}${e.role ? `（${roleLabel(e.role)}）` : ''}` : '', deptName(e.department)].filter(Boolean).join(' · ')}</div>` : ''}
          ${e.comment ? html`<div class="tl-comment">${e.comment}</div>` : ''}
          ${e.detail ? html`<div class="muted small">${e.detail}</div>` : ''}
        </div>
      </li>`)}</ol>
    ${entries.length ? '' : html`<p class="muted">暂无记录。</p>`}</section>`;
}

function attachmentsCard(list) {
  return html`<section class="card" id="case-attachments"><h2>附件材料</h2><ul class="plain">${list.map((a) => html`
    <li><button type="button" class="linkish" data-action="download" data-sha="${a.sha256}" data-name="${a.name}">${a.name}</button>
      <span class="muted small">${Math.ceil(a.size / 1024)} KB · ${a.uploaded_by || ''} · ${fmtTime(a.created_at)}</span></li>`)}</ul></section>`;
}

function auditCard(rows) {
  return html`<section class="card flush" id="case-audit"><h2>审计记录</h2><div class="table-wrap"><table class="table small">
    <thead><tr><th>时间</th><th>操作人</th><th>角色</th><th>操作</th><th>对象</th><th>结果</th><th>理由</th></tr></thead>
    <tbody>${rows.map((r) => html`<tr><td data-label="时间" class="nowrap">${fmtTime(r.at)}</td><td data-label="操作人">${r.actor}</td>
      <td data-label="角色">${r.role ? roleLabel(r.role) : ''}${r.department ? html`@${deptName(r.department)}` : ''}</td>
      <td data-label="操作" class="mono">${r.action}</td><td data-label="对象" class="mono">${r.object}</td><td data-label="结果">${r.outcome}</td><td data-label="理由">${r.reason}</td></tr>`)}</tbody>
  </table></div></section>`;
}

// decisionCard is the form for the open task(s) of the case the user may decide.
function decisionCard(c, tasks, people) {
  if (!tasks.length) {
    const taken = (c.tasks || []).filter((t) => t.state === 'open' && t.assignee && t.assignee !== S.me.username
      && S.me.roles.some((r) => r.department === t.department));
    if (!taken.length) return '';
    return html`<section class="card" id="decision-card"><h2>审批办理</h2>${taken.map((t) => html`
      <p class="muted" data-task-id="${t.id}">${t.step_name} · ${deptName(t.department)}：已由 <strong>${t.assignee}</strong> 认领办理。</p>`)}</section>`;
  }
  const t = tasks[0];
  return html`<section class="card decision" id="decision-card">
    <h2>审批办理</h2>
    <form id="decision-form" data-task-id="${t.id}" novalidate>
      ${tasks.length > 1 ? html`<div class="field"><label for="decision-task">办理任务</label>
        <select id="decision-task" name="task">${tasks.map((x) => html`<option value="${x.id}">${x.step_name} · ${deptName(x.department)}</option>`)}</select></div>` : ''}
      <p class="muted small" id="decision-step">${t.step_name || STEPS[t.step]} · ${deptName(t.department)}${t.deadline ? html` · 时限 ${fmtTime(t.deadline)}` : ''}</p>
      <div class="field"><label for="decision-outcome">审批结果</label>
        <select id="decision-outcome" name="outcome"></select>
        <div class="field-error" data-error-for="outcome"></div></div>
      <div class="field" id="decision-category-field" hidden><label for="decision-category">降级认定为</label>
        <select id="decision-category" name="category"></select>
        <div class="field-error" data-error-for="category"></div></div>
      <div class="field" id="decision-return-field" hidden><label for="decision-return-to">退回至</label>
        <select id="decision-return-to" name="return_to"></select>
        <div class="field-error" data-error-for="return_to"></div></div>
      ${people ? html`<div id="decision-pairing-fields" hidden>
        <div class="field"><label for="decision-leader">联系领导（县级领导）</label>
          <select id="decision-leader" name="leader">${peopleOptions(people.leaders)}</select>
          <div class="field-error" data-error-for="leader"></div></div>
        <div class="field"><label for="decision-specialist">服务专员</label>
          <select id="decision-specialist" name="specialist">${peopleOptions(people.specialists)}</select>
          <div class="field-error" data-error-for="specialist"></div></div></div>` : ''}
      <div class="field" id="decision-department-field" hidden><label for="decision-department">转交单位</label>
        <select id="decision-department" name="department"></select>
        <div class="hint">诉求只能转交一次，请写明转交理由。</div>
        <div class="field-error" data-error-for="department"></div></div>
      <div class="field"><label for="decision-comment"><span id="decision-comment-label">审批意见</span> <span class="req" id="decision-comment-req"></span></label>
        <textarea id="decision-comment" name="comment" rows="4" maxlength="2000"></textarea>
        <div class="field-error" data-error-for="comment"></div></div>
      <div class="form-actions"><button id="decision-submit" class="btn btn-primary" type="submit">提交意见</button></div>
    </form></section>`;
}

function bindDecision(c, tasks, reload, people) {
  const form = $('#decision-form');
  if (!form) return;
  const task = () => tasks.find((t) => t.id === (form.task ? form.task.value : form.dataset.taskId)) || tasks[0];
  const claimed = CASE_CATEGORY_ORDER.indexOf(c.category);
  function sync() {
    const t = task();
    const outcomes = t.outcomes || [];
    const prev = form.outcome.value;
    setHTML(form.outcome, html`${outcomes.map((o) => html`<option value="${o}" ${o === prev ? 'selected' : ''}>${outcomeLabel(t, o)}</option>`)}`);
    const o = form.outcome.value;
    const lower = CASE_CATEGORY_ORDER.filter((_, i) => i > claimed);
    if (!form.category.options.length) setHTML(form.category, html`${lower.map((v) => html`<option value="${v}">${categoryText(v)}</option>`)}`);
    $('#decision-category-field').hidden = o !== 'downgrade';
    const targets = t.return_targets || [];
    setHTML(form.return_to, html`${targets.map((v) => html`<option value="${v}">${RETURN_TARGETS[v] || v}</option>`)}`);
    $('#decision-return-field').hidden = !(o === 'return' && targets.length > 1);
    const pairing = !!people && pairingStep(t) && o === 'approve';
    if ($('#decision-pairing-fields')) $('#decision-pairing-fields').hidden = !pairing;
    const forward = o === 'forward';
    $('#decision-department-field').hidden = !forward;
    if (forward && !form.department.options.length) {
      setHTML(form.department, html`<option value="">请选择</option>${Object.entries(S.depts)
        .filter(([code]) => !['county', 'public', t.department].includes(code))
        .map(([code, name]) => html`<option value="${code}">${name}</option>`)}`);
    }
    const reply = t.process === 'demand' && (t.step === 'reply' || t.step === 'rectify') && o === 'approve';
    $('#decision-comment-label').textContent = reply ? (t.step === 'reply' ? '答复意见' : '整改情况') : forward ? '转交理由' : '审批意见';
    $('#decision-comment-req').textContent = reasonRequired(t, o) ? '（必填）' : '（选填）';
    form.comment.placeholder = pairing ? '如：请王县长联系，赵专员负责日常对接'
      : reply ? (t.step === 'reply' ? '请写明办理结果，答复经人才办核实后请人才评价' : '请写明整改措施和结果')
        : forward ? '请写明为何应由该单位办理' : reasonRequired(t, o) ? '请写明理由' : '如：材料齐全，同意';
    form.dataset.taskId = t.id;
  }
  sync();
  form.addEventListener('change', (ev) => { if (ev.target.name === 'outcome' || ev.target.name === 'task') sync(); });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearFieldErrors(form);
    const t = task();
    const body = { outcome: form.outcome.value, comment: form.comment.value.trim() };
    if (body.outcome === 'downgrade') body.category = form.category.value;
    if (body.outcome === 'return' && (t.return_targets || []).length > 1) body.return_to = form.return_to.value;
    if (people && pairingStep(t) && body.outcome === 'approve') {
      body.leader = form.leader.value;
      body.specialist = form.specialist.value;
      const missing = !body.leader ? ['leader', '请选择联系领导'] : !body.specialist ? ['specialist', '请选择服务专员'] : null;
      if (missing) {
        fieldError(form, ...missing);
        flash(missing[1] + '。', 'error');
        return;
      }
    }
    if (body.outcome === 'forward') {
      body.department = form.department.value;
      if (!body.department) {
        fieldError(form, 'department', '请选择转交单位');
        flash('请选择转交单位。', 'error');
        return;
      }
    }
    if (reasonRequired(t, body.outcome) && !body.comment) {
      fieldError(form, 'comment', '请填写理由');
      flash('请填写' + $('#decision-comment-label').textContent + '。', 'error');
      return;
    }
    busy(form, async () => {
      try {
        const res = await api('POST', `/api/v1/tasks/${encodeURIComponent(t.id)}/decision`, body);
        const st = res.case_state;
        reload(`已提交“${outcomeLabel(t, body.outcome)}”意见。${st ? `办件当前状态：${CASE_STATES[st] || st}。` : ''}`);
      } catch (err) {
        showError(err, form);
        if (err instanceof ApiError && err.status === 409) {
          pendingFlash = [$('#flash').textContent, 'error'];
          reload();
        }
      }
    });
  });
}
// ---------- Applicant actions on a case ----------

function applicantCard(c) {
  const parts = [];
  if (c.state === 'draft') {
    parts.push(html`<p>申请尚未提交。</p><div class="form-actions">
      <a class="btn" href="#/apply/${encodeURIComponent(c.id)}" id="case-edit">编辑草稿</a>
      <button type="button" class="btn btn-primary" id="case-submit">提交申请</button></div>`);
  }
  if (c.state === 'returned') {
    const ret = [...(c.timeline || [])].reverse().find((e) => e.kind === 'returned' || (e.kind === 'decision' && e.outcome === 'return'));
    parts.push(html`<div class="notice-box">
      <strong>申请已退回补正</strong>${ret && ret.comment ? html`<p>退回理由：${ret.comment}</p>` : ''}
      ${c.correction_deadline ? html`<p>请于 <strong>${fmtTime(c.correction_deadline)}</strong> 前修改并重新提交，逾期办件将关闭。</p>` : ''}</div>
      <form id="resubmit-form" novalidate>
        ${profileFields('resubmit', c.profile || {})}
        <div class="field"><label for="resubmit-reason">补正说明</label>
          <textarea id="resubmit-reason" name="reason" rows="2" maxlength="500" placeholder="说明修改了哪些内容"></textarea>
          <div class="field-error" data-error-for="reason"></div></div>
        <div class="form-actions"><button type="submit" class="btn btn-primary" id="resubmit-submit">保存并重新提交</button></div>
      </form>`);
  }
  if (c.state === 'certified' || c.certificate_no) {
    parts.push(html`<p>已认定，证书编号 <strong class="mono">${c.certificate_no || ''}</strong>。</p>
      <div class="form-actions"><button type="button" class="btn btn-primary" id="certificate-open">查看证书</button></div>`);
  }
  if (WITHDRAWABLE.has(c.state) && can('case:withdraw')) {
    parts.push(html`<details class="danger-zone" id="withdraw"><summary>撤回申请</summary>
      <form id="withdraw-form" novalidate>
        <div class="field"><label for="withdraw-reason">撤回原因</label>
          <textarea id="withdraw-reason" name="reason" rows="2" maxlength="500"></textarea>
          <div class="field-error" data-error-for="reason"></div></div>
        <button type="submit" class="btn btn-danger" id="withdraw-submit">确认撤回</button>
      </form></details>`);
  }
  if (!parts.length) return '';
  return html`<section class="card" id="applicant-actions"><h2>我的申请</h2>${parts}</section>`;
}

function bindApplicant(c, reload) {
  const submit = $('#case-submit');
  if (submit) {
    submit.addEventListener('click', () => busy(submit.parentElement, async () => {
      try {
        await api('POST', `/api/v1/introductions/${encodeURIComponent(c.id)}/submit`);
        reload('申请已提交，进入窗口受理。');
      } catch (err) { showError(err); }
    }));
  }
  const resubmit = $('#resubmit-form');
  if (resubmit) {
    resubmit.addEventListener('submit', (ev) => {
      ev.preventDefault();
      clearFieldErrors(resubmit);
      busy(resubmit, async () => {
        try {
          await api('PUT', `/api/v1/introductions/${encodeURIComponent(c.id)}`, readProfile(resubmit));
          await api('POST', `/api/v1/introductions/${encodeURIComponent(c.id)}/resubmit`, { reason: resubmit.reason.value.trim() });
          reload('已重新提交。');
        } catch (err) { showError(err, resubmit); }
      });
    });
  }
  const cert = $('#certificate-open');
  if (cert) cert.addEventListener('click', () => openCertificate(c.id));
  const withdraw = $('#withdraw-form');
  if (withdraw) {
    withdraw.addEventListener('submit', (ev) => {
      ev.preventDefault();
      clearFieldErrors(withdraw);
      busy(withdraw, async () => {
        try {
          await api('POST', `/api/v1/cases/${encodeURIComponent(c.id)}/withdraw`, { reason: withdraw.reason.value.trim() });
          reload('申请已撤回。');
        } catch (err) { showError(err, withdraw); }
      });
    });
  }
}

// openCertificate fetches the printable certificate with the bearer token and shows it in a
// new tab (or inline when pop-ups are blocked).
async function openCertificate(id) {
  const win = window.open('', '_blank');
  try {
    const page = await api('GET', `/api/v1/cases/${encodeURIComponent(id)}/certificate`, undefined, { text: true });
    if (win) {
      const url = URL.createObjectURL(new Blob([page], { type: 'text/html' }));
      win.location.href = url;
      setTimeout(() => URL.revokeObjectURL(url), 60000);
    } else {
      showCertificateDialog(page);
    }
  } catch (err) {
    if (win) win.close();
    showError(err);
  }
}

// showCertificateDialog shows the certificate page in a modal frame, with print and close.
function showCertificateDialog(page) {
  const dialog = document.createElement('dialog');
  dialog.className = 'certificate-dialog';
  dialog.id = 'certificate-dialog';
  setHTML(dialog, html`<div class="dialog-bar"><strong>人才认定证书</strong>
    <span><button type="button" class="btn btn-sm btn-primary" data-action="print">打印</button>
    <button type="button" class="btn btn-sm" data-action="close">关闭</button></span></div>`);
  const frame = document.createElement('iframe');
  frame.title = '人才认定证书';
  frame.srcdoc = page;
  dialog.append(frame);
  dialog.addEventListener('click', (ev) => {
    const act = ev.target.dataset && ev.target.dataset.action;
    if (act === 'print') frame.contentWindow.print();
    if (act === 'close') dialog.close();
  });
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}

function objectionCard(c, own) {
  if (own || c.state !== 'notice' || !can('case:object')) return '';
  return html`<section class="card" id="objection-card"><h2>公示异议</h2>
    <details id="objection"><summary>对公示对象提出异议</summary>
    <form id="objection-form" novalidate>
      <div class="field"><label for="objection-reason">异议事实与理由</label>
        <textarea id="objection-reason" name="reason" rows="3" maxlength="500"></textarea>
        <div class="field-error" data-error-for="reason"></div></div>
      <button type="submit" class="btn btn-danger" id="objection-submit">提交异议</button>
    </form></details>
    <p class="muted small">提出异议后公示暂停，由领导小组办公室核查处理。</p></section>`;
}

function bindObjection(c, reload) {
  const form = $('#objection-form');
  if (!form) return;
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearFieldErrors(form);
    busy(form, async () => {
      try {
        await api('POST', `/api/v1/cases/${encodeURIComponent(c.id)}/objections`, { reason: form.reason.value.trim() });
        reload('异议已提交，公示暂停。');
      } catch (err) { showError(err, form); }
    });
  });
}

// ---------- Task actions on the case page: claim, release, urge, delegate, add signer, comments ----------

function bindTaskActions(c, reload) {
  const card = $('#case-tasks');
  const panel = $('#task-panel');
  card.addEventListener('click', async (ev) => {
    const btn = ev.target.closest('button[data-action]');
    if (!btn || !card.contains(btn)) return;
    const id = btn.dataset.taskId;
    const t = (c.tasks || []).find((x) => x.id === id);
    const path = `/api/v1/tasks/${encodeURIComponent(id)}`;
    const act = btn.dataset.action;
    if (act === 'claim' || act === 'unclaim') {
      btn.disabled = true;
      try {
        await api('POST', `${path}/${act}`);
        reload(act === 'claim' ? '已认领。' : '已释放，任务回到部门待办。');
      } catch (err) { btn.disabled = false; showError(err); }
      return;
    }
    const forms = {
      urge: ['催办', html`<div class="field"><label for="urge-comment">催办说明</label>
        <input id="urge-comment" name="comment" maxlength="500" placeholder="如：请于今日办结">
        <div class="field-error" data-error-for="comment"></div></div>`],
      delegate: ['转办', html`<div class="field"><label for="delegate-to">转交给（用户名）</label>
        <input id="delegate-to" name="to" maxlength="64" autocomplete="off">
        <div class="field-error" data-error-for="to"></div></div>
        <div class="field"><label for="delegate-reason">转办理由</label>
        <input id="delegate-reason" name="reason" maxlength="500"><div class="field-error" data-error-for="reason"></div></div>`],
      signers: ['加签', html`<div class="field"><label for="signers-department">加签单位</label>
        <select id="signers-department" name="department">${Object.entries(S.depts).filter(([code]) => !['county', 'public'].includes(code)).map(([code, name]) => html`<option value="${code}">${name}</option>`)}</select>
        <div class="field-error" data-error-for="department"></div></div>
        <div class="field"><label for="signers-reason">加签理由</label>
        <input id="signers-reason" name="reason" maxlength="500"><div class="field-error" data-error-for="reason"></div></div>`],
      comments: ['评论', html`<ul class="comments" id="comments-list"><li class="muted">正在加载…</li></ul>
        <div class="field"><label for="comment-body">添加评论</label>
        <textarea id="comment-body" name="body" rows="2" maxlength="2000"></textarea>
        <div class="field-error" data-error-for="body"></div></div>`],
    };
    const [title, fields] = forms[act];
    panel.hidden = false;
    setHTML(panel, html`<form id="task-action-form" data-action="${act}" data-task-id="${id}" novalidate>
      <h3>${title}：${t ? `${t.step_name} · ${deptName(t.department)}` : id}</h3>${fields}
      <div class="form-actions"><button type="submit" class="btn btn-primary" id="task-action-submit">${act === 'comments' ? '发表评论' : '确定'}</button>
      <button type="button" class="btn" id="task-action-cancel">取消</button></div></form>`);
    const form = $('#task-action-form');
    $('#task-action-cancel').addEventListener('click', () => { panel.hidden = true; panel.replaceChildren(); });
    if (act === 'comments') loadComments(path);
    (form.elements[0] || form).focus();
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      clearFieldErrors(form);
      const body = Object.fromEntries(new FormData(form).entries());
      const target = { urge: 'urge', delegate: 'delegate', signers: 'signers', comments: 'comments' }[act];
      busy(form, async () => {
        try {
          await api('POST', `${path}/${target}`, body);
          if (act === 'comments') { form.body.value = ''; flash('评论已发表。'); loadComments(path); return; }
          reload({ urge: '已催办。', delegate: '已转办。', signers: '已加签。' }[act]);
        } catch (err) { showError(err, form); }
      });
    });
  });
}

async function loadComments(path) {
  const list = $('#comments-list');
  try {
    const items = await api('GET', `${path}/comments`);
    if (!list.isConnected) return;
    setHTML(list, items.length ? html`${items.map((cm) => html`<li><strong>${cm.author}</strong>
      <span class="muted small">${fmtTime(cm.created_at)}</span><div>${cm.body}</div></li>`)}` : html`<li class="muted">暂无评论。</li>`);
  } catch (err) { showError(err); }
}

function bindAttachments() {
  const card = $('#case-attachments');
  if (!card) return;
  card.addEventListener('click', async (ev) => {
    const btn = ev.target.closest('button[data-action="download"]');
    if (!btn) return;
    try {
      await downloadFile(`/api/v1/attachments/${encodeURIComponent(btn.dataset.sha)}`, btn.dataset.name);
    } catch (err) { showError(err); }
  });
}

// ---------- Apply ----------

function profileFields(prefix, values) {
  const opts = (list, cur) => html`<option value="">请选择</option>${S.vocab[list].map((t) => html`
    <option value="${t.value}" ${t.value === cur ? 'selected' : ''}>${list === 'categories' ? `${t.value}类 ${t.label}` : t.label}</option>`)}`;
  return html`<div class="form-grid">${PROFILE_FIELDS.map((f) => {
    const id = `${prefix}-${f.name}`;
    const control = f.vocab
      ? html`<select id="${id}" name="${f.name}" required>${opts(f.vocab, values[f.name])}</select>`
      : html`<input id="${id}" name="${f.name}" type="${f.type || 'text'}" maxlength="${f.max}" value="${values[f.name] || ''}" class="${f.mono ? 'mono' : ''}" required autocomplete="off" ${f.hint ? html`aria-describedby="${id}-hint"` : ''}>`;
    return html`<div class="field" data-field="${f.name}"><label for="${id}">${f.label}</label>${control}
      ${f.hint ? html`<div class="hint" id="${id}-hint">${f.hint}</div>` : ''}
      <div class="field-error" data-error-for="${f.name}" id="${id}-error"></div></div>`;
  })}</div>`;
}

function readProfile(form) {
  const out = {};
  for (const f of PROFILE_FIELDS) out[f.name] = form[f.name].value.trim();
  return out;
}

async function pageApply(ctx, draftId) {
  const [list, draft] = await Promise.all([
    api('GET', '/api/v1/cases?limit=50'),
    draftId ? api('GET', `/api/v1/cases/${encodeURIComponent(draftId)}`) : null,
  ]);
  if (draft && draft.state !== 'draft') { go(`#/case/${encodeURIComponent(draftId)}`); return; }
  const values = (draft && draft.profile) || {};
  const rendered = ctx.render(html`
    <div class="page-head"><h1>人才引进认定申请</h1>
      ${draft ? html`<a class="btn" href="#/apply">新建申请</a>` : ''}</div>
    <section class="card" id="apply-card">
      <h2>${draft ? `编辑草稿 ${draft.id}` : '填写申请'}</h2>
      <p class="muted small">请如实填写。公民身份号码与统一社会信用代码将按国家标准校验；提交后进入窗口受理，可在“我的申请”中查看进度。</p>
      <form id="apply-form" novalidate data-case-id="${draft ? draft.id : ''}">
        ${profileFields('apply', values)}
        <div class="form-actions">
          <button type="button" class="btn" id="apply-save">保存草稿</button>
          <button type="submit" class="btn btn-primary" id="apply-submit">提交申请</button>
        </div>
      </form>
    </section>
    <section class="card flush" id="my-cases-card"><h2>我的申请</h2>
      <div class="table-wrap"><table class="table" id="my-cases">
        <thead><tr><th>申请</th><th>类别</th><th>状态</th><th>当前环节</th><th>最近更新</th><th class="actions-col">操作</th></tr></thead>
        <tbody>${list.items.length ? list.items.map((c) => html`
          <tr data-case-id="${c.id}" data-state="${c.state}">
            <td data-label="申请"><a href="#/case/${encodeURIComponent(c.id)}">${c.title || c.id}</a><div class="muted small">${c.id}</div></td>
            <td data-label="类别">${categoryText(c.category)}</td>
            <td data-label="状态">${stateBadge(c.state)}</td>
            <td data-label="当前环节">${c.step_name || ''}</td>
            <td data-label="最近更新">${fmtTime(c.updated_at)}</td>
            <td data-label="操作" class="actions-col">${c.state === 'draft'
              ? html`<a class="btn btn-sm" href="#/apply/${encodeURIComponent(c.id)}">编辑</a>`
              : html`<a class="btn btn-sm" href="#/case/${encodeURIComponent(c.id)}">查看</a>`}</td>
          </tr>`) : emptyRow(6, '还没有申请。')}</tbody>
      </table></div></section>`);
  if (!rendered) return;
  const form = $('#apply-form');
  // save creates the draft once, then updates it; it returns the case id.
  async function save() {
    const body = readProfile(form);
    if (form.dataset.caseId) {
      await api('PUT', `/api/v1/introductions/${encodeURIComponent(form.dataset.caseId)}`, body);
    } else {
      const created = await api('POST', '/api/v1/introductions', body);
      form.dataset.caseId = created.id;
    }
    return form.dataset.caseId;
  }
  $('#apply-save').addEventListener('click', () => {
    clearFieldErrors(form);
    busy(form, async () => {
      try {
        const id = await save();
        go(`#/apply/${encodeURIComponent(id)}`, '草稿已保存。');
      } catch (err) { showError(err, form); }
    });
  });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearFieldErrors(form);
    busy(form, async () => {
      let id = '';
      try {
        id = await save();
        await api('POST', `/api/v1/introductions/${encodeURIComponent(id)}/submit`);
        go(`#/case/${encodeURIComponent(id)}`, '申请已提交，进入窗口受理。');
      } catch (err) {
        showError(err, form);
        if (id && !draftId) { // the draft exists now: keep editing it rather than creating another
          pendingFlash = [$('#flash').textContent + '（已保存为草稿）', 'error'];
          go(`#/apply/${encodeURIComponent(id)}`);
        }
      }
    });
  });
}

// ---------- Case list (staff) ----------

async function pageCases(ctx) {
  const q = {};
  for (const k of ['state', 'process', 'from', 'to', 'on']) q[k] = ctx.query.get(k) || '';
  const opt = (v, t, cur) => html`<option value="${v}" ${v === cur ? 'selected' : ''}>${t}</option>`;
  const period = q.from || q.to;
  ctx.render(html`
    <div class="page-head"><h1>办件查询</h1>
      <form class="filters" id="cases-filters">
        <label>状态 <select name="state">${opt('', '全部', q.state)}${Object.entries(CASE_STATES).map(([v, t]) => opt(v, t, q.state))}</select></label>
        <label>流程 <select name="process">${opt('', '全部', q.process)}${Object.entries(PROCESSES).map(([v, t]) => opt(v, t, q.process))}</select></label>
        ${period ? html`<span class="chip" id="cases-period">${q.on === 'closed' ? '办结于' : '提交于'} ${q.from} 至 ${q.to}
          <a href="#/cases${q.process ? '?process=' + encodeURIComponent(q.process) : ''}" aria-label="清除时间段">×</a></span>` : ''}
      </form></div>
    <div class="card flush"><div class="table-wrap"><table class="table" id="cases-table">
      <thead><tr><th>办件</th><th>流程</th><th>类别</th><th>状态</th><th>当前环节</th><th>预警</th><th>最近更新</th></tr></thead>
      <tbody id="cases-rows"><tr class="empty"><td colspan="7">正在加载…</td></tr></tbody></table></div>
      <div class="more"><button type="button" class="btn" id="cases-more" hidden>加载更多</button></div></div>`);
  $('#cases-filters').addEventListener('change', (ev) => {
    const p = new URLSearchParams({ ...q, [ev.target.name]: ev.target.value });
    for (const [k, v] of [...p.entries()]) if (!v) p.delete(k);
    location.hash = '#/cases?' + p.toString();
  });
  const rows = $('#cases-rows');
  const more = $('#cases-more');
  let cursor = '';
  let first = true;
  async function load() {
    const p = new URLSearchParams({ limit: '50' });
    for (const [k, v] of Object.entries(q)) if (v) p.set(k, v);
    if (cursor) p.set('cursor', cursor);
    const page = await api('GET', '/api/v1/cases?' + p.toString());
    if (ctx.stale()) return;
    const body = html`${page.items.map((c) => html`<tr data-case-id="${c.id}" data-state="${c.state}">
      <td data-label="办件"><a href="#/case/${encodeURIComponent(c.id)}">${c.title || c.id}</a><div class="muted small">${c.id}</div></td>
      <td data-label="流程">${PROCESSES[c.process] || c.process}</td><td data-label="类别">${categoryText(c.category)}</td>
      <td data-label="状态">${stateBadge(c.state)}</td><td data-label="当前环节">${c.step_name || ''}</td>
      <td data-label="预警">${warnBadge(c.warning) || html`<span class="muted">—</span>`}</td><td data-label="最近更新">${fmtTime(c.updated_at)}</td></tr>`)}`;
    if (first) { setHTML(rows, page.items.length ? body : emptyRow(7, '没有符合条件的办件。')); first = false; } else rows.insertAdjacentHTML('beforeend', body.s);
    cursor = page.next_cursor || '';
    more.hidden = !cursor;
  }
  more.addEventListener('click', () => busy(more.parentElement, () => load().catch((e) => showError(e))));
  await load();
}

// ---------- Notifications ----------

async function pageNotifications(ctx) {
  const unread = ctx.query.get('unread') === 'true';
  ctx.render(html`
    <div class="page-head"><h1>消息通知</h1>
      <div class="filters">
        <label><input type="checkbox" id="notifications-unread" ${unread ? 'checked' : ''}> 只看未读</label>
        <button type="button" class="btn" id="notifications-read-all">全部标为已读</button>
      </div></div>
    <div class="card flush"><ul class="notes" id="notifications"><li class="muted pad">正在加载…</li></ul>
      <div class="more"><button type="button" class="btn" id="notifications-more" hidden>加载更多</button></div></div>`);
  $('#notifications-unread').addEventListener('change', (ev) => {
    location.hash = ev.target.checked ? '#/notifications?unread=true' : '#/notifications';
  });
  $('#notifications-read-all').addEventListener('click', async (ev) => {
    ev.target.disabled = true;
    try {
      const r = await api('POST', '/api/v1/notifications/read-all');
      go(location.hash, `已将 ${r.marked} 条消息标为已读。`);
    } catch (err) { ev.target.disabled = false; showError(err); }
    refreshUnread();
  });
  const list = $('#notifications');
  const more = $('#notifications-more');
  let cursor = '';
  let first = true;
  async function load() {
    const p = new URLSearchParams({ limit: '50' });
    if (unread) p.set('unread', 'true');
    if (cursor) p.set('cursor', cursor);
    const page = await api('GET', '/api/v1/notifications?' + p.toString());
    if (ctx.stale()) return;
    const body = html`${page.items.map((n) => html`
      <li class="note ${n.read_at ? 'read' : 'unread'}" data-notification-id="${n.id}" data-read="${!!n.read_at}">
        <div class="note-head"><span class="tag tag-${n.kind}">${NOTICE_KINDS[n.kind] || n.kind}</span>
          <strong class="note-title">${n.title}</strong><time class="muted small" datetime="${n.created_at}">${fmtTime(n.created_at)}</time></div>
        ${n.body ? html`<p class="note-body">${n.body}</p>` : ''}
        <div class="note-actions">
          ${n.case_id ? html`<a class="btn btn-sm" href="#/case/${encodeURIComponent(n.case_id)}" data-action="open-case" data-id="${n.id}">查看办件</a>` : ''}
          ${n.read_at ? html`<span class="muted small">已读</span>` : html`<button type="button" class="btn btn-sm" data-action="read" data-id="${n.id}">标为已读</button>`}
        </div></li>`)}`;
    if (first) { setHTML(list, page.items.length ? body : html`<li class="muted pad">暂无消息。</li>`); first = false; } else list.insertAdjacentHTML('beforeend', body.s);
    cursor = page.next_cursor || '';
    more.hidden = !cursor;
  }
  more.addEventListener('click', () => busy(more.parentElement, () => load().catch((e) => showError(e))));
  list.addEventListener('click', async (ev) => {
    const el = ev.target.closest('[data-action]');
    if (!el) return;
    const item = el.closest('.note');
    if (el.dataset.action === 'open-case' && item.dataset.read === 'true') return;
    if (el.dataset.action === 'read') el.disabled = true;
    try {
      await api('POST', `/api/v1/notifications/${encodeURIComponent(el.dataset.id)}/read`);
      item.classList.replace('unread', 'read');
      item.dataset.read = 'true';
      const readButton = $('button[data-action="read"]', item);
      if (readButton) readButton.replaceWith(Object.assign(document.createElement('span'), { className: 'muted small', textContent: '已读' }));
    } catch (err) { if (el.dataset.action === 'read') { el.disabled = false; showError(err); } }
    refreshUnread();
  });
  await load();
}

// ---------- Audit ----------

// pageTemporal lets the operator read workflow payloads, which Temporal stores encrypted, in
// the Temporal Web UI: a codec session sets a cookie the UI's calls to the codec endpoint
// carry. Each decode is audited.
async function pageTemporal(ctx) {
  ctx.render(html`
    <div class="page-head"><h1>流程数据解码</h1></div>
    <div class="card">
      <p>流程引擎（Temporal）中的流程数据均已加密存储。开启解码会话后，本浏览器中的 Temporal Web UI 可通过解码端点查看明文；每次解码均记入审计日志。</p>
      <p><button type="button" class="btn primary" id="codec-session">开启解码会话</button></p>
      <div id="codec-result"></div>
    </div>`);
  $('#codec-session').addEventListener('click', async (ev) => {
    ev.target.disabled = true;
    try {
      const r = await api('POST', '/api/v1/temporal-codec/session', {});
      setHTML($('#codec-result'), html`<p id="codec-ready">解码会话有效至 ${fmtTime(r.expires_at)}。${r.temporal_ui
        ? html` <a href="${r.temporal_ui}" target="_blank" rel="noopener" id="codec-open">打开 Temporal Web UI</a>` : ''}</p>`);
    } catch (err) { showError(err); } finally { ev.target.disabled = false; }
  });
}

async function pageAudit(ctx) {
  ctx.render(html`
    <div class="page-head"><h1>审计日志</h1>
      <div class="filters"><button type="button" class="btn" id="audit-verify">校验哈希链</button></div></div>
    <div id="audit-verify-result"></div>
    <div class="card flush"><div class="table-wrap"><table class="table small" id="audit-table">
      <thead><tr><th>序号</th><th>时间</th><th>操作人</th><th>角色</th><th>操作</th><th>对象</th><th>结果</th><th>理由</th></tr></thead>
      <tbody id="audit-rows"></tbody></table></div>
      <div class="more"><button type="button" class="btn" id="audit-more" hidden>加载更多</button></div></div>`);
  $('#audit-verify').addEventListener('click', async (ev) => {
    ev.target.disabled = true;
    try {
      const r = await api('GET', '/api/v1/audit/verify');
      setHTML($('#audit-verify-result'), html`<div class="card verify ${r.ok ? 'ok' : 'bad'}" id="audit-verify-report" data-ok="${r.ok}">
        ${r.ok ? html`<strong>哈希链完整</strong>：已校验 ${r.checked} 条记录。` : html`<strong>哈希链异常</strong>：第 ${r.broken_at} 条，${r.problem || ''}`}
        ${r.head ? html`<div class="muted small mono">链头 ${r.head}</div>` : ''}</div>`);
    } catch (err) { showError(err); } finally { ev.target.disabled = false; }
  });
  const rows = $('#audit-rows');
  const more = $('#audit-more');
  let before = 0;
  async function load() {
    const page = await api('GET', `/api/v1/audit?limit=100${before ? `&before=${before}` : ''}`);
    if (ctx.stale()) return;
    rows.insertAdjacentHTML('beforeend', html`${page.items.map((r) => html`<tr>
      <td data-label="序号">${r.seq}</td><td data-label="时间" class="nowrap">${fmtTime(r.at)}</td><td data-label="操作人">${r.actor}</td>
      <td data-label="角色">${r.role ? roleLabel(r.role) : ''}${r.department ? html`@${deptName(r.department)}` : ''}</td>
      <td data-label="操作" class="mono">${r.action}</td><td data-label="对象" class="mono">${r.object}</td>
      <td data-label="结果">${r.outcome}</td><td data-label="理由">${r.reason}</td></tr>`)}`.s);
    before = page.next_before || 0;
    more.hidden = !before;
  }
  more.addEventListener('click', () => busy(more.parentElement, () => load().catch((e) => showError(e))));
  await load();
}

// ---------- Liaison (领导干部联系服务专家) ----------

// Demand types and contact forms: the vocabulary endpoint's labels when it has them.
const DEMAND_TYPE_TERMS = [['school', '子女入学'], ['hukou', '户籍办理'], ['housing', '住房保障'], ['lab', '实验室与场地'],
  ['funding', '项目资金'], ['medical', '医疗保健'], ['spouse_job', '配偶就业'], ['other', '其他']];
const CONTACT_FORM_TERMS = [['visit', '走访'], ['call', '电话联系'], ['meeting', '座谈'], ['event', '活动']];
// The 政务服务"好差评" levels, best first; 2 or less is a 差评 and reopens the demand.
const RATINGS = [[5, '非常满意'], [4, '满意'], [3, '基本满意'], [2, '不满意'], [1, '非常不满意']];
const RATEABLE = new Set(['rating', 'callback']);
const DUE_STATES = { open: '待联系', done: '已联系', missed: '未按期联系' };
const vocabPairs = (key, fallback) => ((S.vocab[key] || []).length ? S.vocab[key].map((t) => [t.value, t.label]) : fallback);
const demandTypes = () => vocabPairs('demand_types', DEMAND_TYPE_TERMS);
const contactForms = () => vocabPairs('contact_forms', CONTACT_FORM_TERMS);
const demandTypeLabel = (v) => (demandTypes().find(([k]) => k === v) || [v, v])[1] || '';
const contactFormLabel = (v) => (contactForms().find(([k]) => k === v) || [v, v])[1] || '';
const ratingLabel = (n) => (RATINGS.find(([v]) => v === n) || [n, ''])[1];

// chinaToday is today's date in China (UTC+8), as the server counts days: YYYY-MM-DD.
function chinaToday() {
  const t = new Date(Date.now() + 8 * 3600 * 1000);
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}
// daysBetween counts the days from one YYYY-MM-DD to another.
function daysBetween(from, to) {
  const day = (d) => Date.UTC(+d.slice(0, 4), +d.slice(5, 7) - 1, +d.slice(8, 10));
  return Math.round((day(to) - day(from)) / 86400000);
}

// dueCell shows a pairing's next due date with the days left, red once overdue.
function dueCell(p) {
  if (!p.next_due) return html`<span class="muted">—</span>`;
  const left = daysBetween(chinaToday(), p.next_due);
  const late = p.overdue || left < 0;
  const text = late ? (left < 0 ? `已逾期 ${-left} 天` : '已逾期') : left === 0 ? '今天到期' : `还剩 ${left} 天`;
  return html`<time class="due ${late ? 'late' : ''}" datetime="${p.next_due}">${p.next_due}</time>
    <span class="due-left ${late ? 'due-late' : left <= 14 ? 'due-soon' : ''}" data-days-left="${left}">${text}</span>`;
}

const pairingBadge = (p, id) => stateBadge(p.state === 'ended' ? 'ended' : p.overdue ? 'overdue' : 'active', id);
const person = (name, username) => (name && name !== username ? `${name}（${username}）` : username || '');

// demandWarn shows a demand's red/yellow card to everyone but the talent it serves.
function demandWarn(w) {
  if (!WARNINGS[w] || (can('case:apply') && !can('task:read'))) return '';
  return html`<span class="card-badge card-${w}" data-warning="${w}" title="${w === 'red' ? '已超过办理时限' : '临近办理时限'}">${WARNINGS[w]}</span>`;
}

function ratingText(d) {
  if (!d.rating) return html`<span class="muted">${RATEABLE.has(d.state) ? '待评价' : '—'}</span>`;
  return html`<span class="rating" data-rating="${d.rating}"><span class="stars" aria-hidden="true">${'★'.repeat(d.rating)}${'☆'.repeat(5 - d.rating)}</span>
    ${d.rating_label || ratingLabel(d.rating)}</span>`;
}

// loadPeople lists the county leaders and service specialists one may pair a talent with.
async function loadPeople() {
  const [leaders, specialists] = await Promise.all([api('GET', '/api/v1/users?role=leader'), api('GET', '/api/v1/users?role=specialist')]);
  const usable = (list) => (list || []).filter((u) => !u.disabled);
  return { leaders: usable(leaders), specialists: usable(specialists) };
}
const peopleOptions = (list, cur) => html`<option value="">请选择</option>${list.map((u) => html`
  <option value="${u.username}" ${u.username === cur ? 'selected' : ''}>${person(u.name, u.username)}</option>`)}`;

// processCard is the process's own part of a case: an application profile, a demand, a pairing.
function processCard(c) {
  const p = c.profile;
  if (c.process === 'demand') {
    const rows = [
      ['诉求类型', demandTypeLabel(p.type)], ['诉求内容', p.detail],
      ['承办单位', deptName(p.department) + (p.forwarded_from ? `（由${deptName(p.forwarded_from)}转交）` : '')],
      ['评价', p.score ? `${p.score} 分 ${ratingLabel(p.score)}${p.default_rated ? '（逾期未评，默认）' : ''}` : ''],
      ['评价意见', p.rating_comment],
      ['差评 / 整改 / 回访', p.poor_ratings ? `${p.poor_ratings} / ${p.rectified || 0} / ${p.called_back || 0}` : ''],
    ].filter((r) => r[1]);
    return html`<section class="card" id="case-demand"><h2>诉求信息</h2>
      <dl class="dl">${rows.map(([k, v]) => html`<div><dt>${k}</dt><dd>${v}</dd></div>`)}</dl>
      ${p.pairing_id && can('pairing:read') ? html`<p class="small"><a href="#/pairing?id=${encodeURIComponent(p.pairing_id)}">查看所属结对</a></p>` : ''}</section>`;
  }
  if (c.process === 'liaison') {
    const rows = [['人才', p.talent_name], ['证书编号', p.certificate_no], ['联系领导', p.leader], ['服务专员', p.specialist],
      ['联系频次', p.per_year ? `每年至少 ${p.per_year} 次` : ''], ['下次联系截止', p.next_due ? `${p.next_due}${p.overdue ? '（已逾期）' : ''}` : '']].filter((r) => r[1]);
    return html`<section class="card" id="case-pairing"><h2>结对信息</h2>
      <dl class="dl">${rows.map(([k, v]) => html`<div><dt>${k}</dt><dd>${v}</dd></div>`)}</dl>
      ${can('pairing:read') ? html`<p class="small"><a href="#/pairing?id=${encodeURIComponent(c.id)}">结对详情：联系记录、到期情况与诉求</a></p>` : ''}</section>`;
  }
  return profileCard(p);
}

// rateCard sends the talent (or the specialist for them) from a demand's case to its rating form.
function rateCard(c) {
  if (c.process !== 'demand' || !RATEABLE.has(c.state) || !can('demand:rate')) return '';
  return html`<section class="card decision" id="rate-card"><h2>评价办理结果</h2>
    <p>${c.state === 'callback' ? '承办单位已整改，请再次评价。' : '诉求已办结，请评价办理结果。'}</p>
    <a class="btn btn-primary" href="#/demands?rate=${encodeURIComponent(c.id)}">去评价</a></section>`;
}

// liaisonResult is the answer to the contact just logged, shown once on the next page.
let liaisonResult = null;

function contactMessage(p, body, r) {
  let msg = `已登记与${p.talent_name}的联系（${body.date} ${contactFormLabel(body.form)}）`;
  msg += r.due_on ? `，完成 ${r.due_on} 到期的联系任务。` : '，本期联系任务此前已完成，本次计为加密联系。';
  if (r.demands && r.demands.length) {
    msg += `已发起诉求 ${r.demands.length} 件：` + r.demands.map((d, i) => `${demandTypeLabel((body.demands[i] || {}).type)} → ${deptName(d.department)}`
      + `（办理时限 ${d.deadline ? fmtTime(d.deadline) : '待定'}）`).join('；') + '。';
  }
  return msg;
}

function contactResultCard() {
  const res = liaisonResult;
  liaisonResult = null;
  if (!res) return '';
  const { pairing: p, body, answer: r } = res;
  return html`<section class="card result-card" id="contact-result" data-pairing-id="${p.id}" data-due-on="${r.due_on || ''}">
    <h2>联系已登记</h2>
    <p>${p.talent_name} · ${body.date} · ${contactFormLabel(body.form)} ·
      ${r.due_on ? html`完成 <strong>${r.due_on}</strong> 到期的联系` : '本期已联系，计为加密联系'}</p>
    ${r.demands.length ? html`<p class="muted small">已发起诉求，转承办单位办理：</p><ul class="plain">${r.demands.map((d, i) => html`
      <li data-demand-id="${d.id}"><a href="#/case/${encodeURIComponent(d.id)}">${demandTypeLabel((body.demands[i] || {}).type)}</a>
        → <strong>${deptName(d.department)}</strong> · 办理时限 ${d.deadline ? html`<time datetime="${d.deadline}">${fmtTime(d.deadline)}</time>` : '待定'}</li>`)}</ul>` : ''}
  </section>`;
}

function demandRowFields(k) {
  return html`<div class="demand-row" data-row="${k}">
    <div class="field"><label for="demand-type-${k}">诉求类型</label>
      <select id="demand-type-${k}" name="demands[${k}].type">${demandTypes().map(([v, t]) => html`<option value="${v}">${t}</option>`)}</select>
      <div class="field-error" data-error-for="demands[${k}].type"></div></div>
    <div class="field"><label for="demand-detail-${k}">诉求内容</label>
      <textarea id="demand-detail-${k}" name="demands[${k}].detail" rows="2" maxlength="1000" placeholder="如：子女明年秋季入学，希望就近安排学位"></textarea>
      <div class="field-error" data-error-for="demands[${k}].detail"></div></div>
    <button type="button" class="btn btn-sm btn-danger" data-action="remove-demand">删除此条诉求</button>
  </div>`;
}

function contactFormHTML(p) {
  const today = chinaToday();
  return html`<form id="contact-form" class="contact-form" data-pairing-id="${p.id}" novalidate>
    <h3>登记联系：${p.talent_name}</h3>
    <div class="field"><label for="contact-date">联系日期</label>
      <input id="contact-date" name="date" type="date" value="${today}" max="${today}" required>
      <div class="field-error" data-error-for="date"></div></div>
    <div class="field"><label for="contact-kind">联系方式</label>
      <select id="contact-kind" name="form">${contactForms().map(([v, t]) => html`<option value="${v}">${t}</option>`)}</select>
      <div class="field-error" data-error-for="form"></div></div>
    <div class="field"><label for="contact-notes">联系情况 <span class="req">（选填）</span></label>
      <textarea id="contact-notes" name="notes" rows="3" maxlength="2000" placeholder="如：走访企业研发中心，了解项目进展"></textarea>
      <div class="field-error" data-error-for="notes"></div></div>
    <fieldset class="demands-set"><legend>人才诉求 <span class="req">（有则添加，提交后转相关部门限时办理）</span></legend>
      <div id="demand-rows"></div>
      <button type="button" class="btn btn-sm" id="contact-add-demand">＋ 添加诉求</button>
    </fieldset>
    <div class="form-actions"><button type="submit" class="btn btn-primary btn-touch" id="contact-submit">提交登记</button>
      <button type="button" class="btn btn-touch" id="contact-cancel">取消</button></div>
  </form>`;
}

// bindContactForms opens the contact form under a pairing's 登记联系 button (one at a time) and
// logs the contact; done gets the flash message.
function bindContactForms(root, pairings, done) {
  const close = () => $$('[data-form-for]', root).forEach((slot) => {
    slot.hidden = true;
    slot.replaceChildren();
    const btn = $(`button[data-action="log-contact"][data-pairing-id="${CSS.escape(slot.dataset.formFor)}"]`, root);
    if (btn) { btn.hidden = false; btn.setAttribute('aria-expanded', 'false'); }
  });
  root.addEventListener('click', (ev) => {
    const btn = ev.target.closest('button[data-action="log-contact"]');
    if (!btn || !root.contains(btn)) return;
    const p = pairings.find((x) => x.id === btn.dataset.pairingId);
    close();
    const slot = $(`[data-form-for="${CSS.escape(p.id)}"]`, root);
    slot.hidden = false;
    btn.hidden = true;
    btn.setAttribute('aria-expanded', 'true');
    setHTML(slot, contactFormHTML(p));
    bindContactForm($('#contact-form', slot), p, close, done);
    $('#contact-date').focus();
  });
}

function bindContactForm(form, p, close, done) {
  const rows = $('#demand-rows', form);
  // renumber keeps the rows' names in step with their index in the request, so that a field
  // the server names (demands[1].detail) is found.
  const renumber = () => $$('.demand-row', rows).forEach((row, k) => {
    row.dataset.row = String(k);
    for (const [part, tag] of [['type', 'select'], ['detail', 'textarea']]) {
      const input = $(tag, row);
      input.id = `demand-${part}-${k}`;
      input.name = `demands[${k}].${part}`;
      $(`label[for^="demand-${part}-"]`, row).htmlFor = input.id;
      $(`.field-error`, input.closest('.field')).dataset.errorFor = input.name;
    }
    $('button[data-action="remove-demand"]', row).setAttribute('aria-label', `删除第 ${k + 1} 条诉求`);
  });
  $('#contact-add-demand', form).addEventListener('click', () => {
    const k = $$('.demand-row', rows).length;
    rows.insertAdjacentHTML('beforeend', demandRowFields(k).s);
    renumber();
    $(`#demand-type-${k}`, form).focus();
  });
  rows.addEventListener('click', (ev) => {
    const btn = ev.target.closest('button[data-action="remove-demand"]');
    if (!btn) return;
    btn.closest('.demand-row').remove();
    renumber();
    $('#contact-add-demand', form).focus();
  });
  $('#contact-cancel', form).addEventListener('click', () => {
    close();
    const again = $(`button[data-action="log-contact"][data-pairing-id="${CSS.escape(p.id)}"]`);
    if (again) again.focus();
  });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearFieldErrors(form);
    const body = {
      date: $('#contact-date', form).value, form: $('#contact-kind', form).value, notes: $('#contact-notes', form).value.trim(),
      demands: $$('.demand-row', rows).map((row) => ({ type: $('select', row).value, detail: $('textarea', row).value.trim() })),
    };
    if (!body.date) {
      fieldError(form, 'date', '请选择联系日期');
      flash('请选择联系日期。', 'error');
      return;
    }
    const empty = body.demands.findIndex((d) => !d.detail);
    if (empty >= 0) {
      fieldError(form, `demands[${empty}].detail`, '请填写诉求内容，或删除此条诉求');
      flash('请填写诉求内容。', 'error');
      return;
    }
    busy(form, async () => {
      try {
        const r = await api('POST', `/api/v1/pairings/${encodeURIComponent(p.id)}/contacts`, body);
        liaisonResult = { pairing: p, body, answer: r };
        done(contactMessage(p, body, r));
      } catch (err) { showError(err, form); }
    });
  });
}

function pairingCard(p) {
  const asLeader = p.leader === S.me.username;
  return html`<article class="pcard ${p.overdue ? 'pcard-overdue' : ''}" data-pairing-id="${p.id}" data-overdue="${p.overdue}">
    <div class="pcard-head"><h3 class="pcard-name"><a href="#/pairing?id=${encodeURIComponent(p.id)}">${p.talent_name}</a></h3>
      <span class="tag">${categoryText(p.category)}</span></div>
    <dl class="pcard-facts">
      <div class="pcard-wide"><dt>下次联系截止</dt><dd>${dueCell(p)}</dd></div>
      <div><dt>本年联系</dt><dd><strong data-contacts="${p.contacts_this_year}">${p.contacts_this_year}</strong> / ${p.due_this_year} 次</dd></div>
      <div><dt>待办诉求</dt><dd>${p.open_demands
        ? html`<a href="#/demands?pairing_id=${encodeURIComponent(p.id)}" data-open-demands="${p.open_demands}">${p.open_demands} 件</a>`
        : html`<span data-open-demands="0">无</span>`}</dd></div>
      <div><dt>最近联系</dt><dd>${p.last_contact || '尚未联系'}</dd></div>
      <div><dt>${asLeader ? '服务专员' : '联系领导'}</dt><dd>${asLeader ? p.specialist_name || p.specialist : p.leader_name || p.leader}</dd></div>
    </dl>
    <button type="button" class="btn btn-primary btn-block btn-touch" data-action="log-contact" data-pairing-id="${p.id}" aria-expanded="false">登记联系</button>
    <div class="pcard-form" data-form-for="${p.id}" hidden></div>
  </article>`;
}

function pairingRow(p) {
  return html`<tr data-pairing-id="${p.id}" data-overdue="${p.overdue}" data-state="${p.state}">
    <td data-label="人才"><a class="case-link" href="#/pairing?id=${encodeURIComponent(p.id)}">${p.talent_name}</a>
      <div class="muted small">${categoryText(p.category)} · ${p.certificate_no}</div></td>
    <td data-label="联系领导">${p.leader_name || p.leader}</td>
    <td data-label="服务专员">${p.specialist_name || p.specialist}</td>
    <td data-label="下次截止">${p.state === 'ended' ? html`<span class="muted">—</span>` : dueCell(p)}</td>
    <td data-label="本年联系" class="nowrap">${p.contacts_this_year} / ${p.due_this_year}</td>
    <td data-label="待办诉求">${p.open_demands || html`<span class="muted">0</span>`}</td>
    <td data-label="状态">${pairingBadge(p)}</td>
    <td data-label="操作" class="actions-col"><a class="btn btn-sm" href="#/pairing?id=${encodeURIComponent(p.id)}">详情</a></td>
  </tr>`;
}

async function calendarSubscribe(box) {
  const r = await api('POST', '/api/v1/me/calendar', {});
  box.hidden = false;
  setHTML(box, html`<section class="card" id="calendar-card"><h2>日历订阅地址</h2>
    <div class="field"><label for="calendar-url">订阅地址（iCalendar）</label>
      <div class="copy-row"><textarea id="calendar-url" class="mono calendar-url" rows="3" readonly aria-describedby="calendar-hint">${r.url}</textarea>
        <button type="button" class="btn" id="calendar-copy">复制</button></div>
      <div class="hint" id="calendar-hint">${'在手机日历、Outlook 等应用中选择“添加订阅日历”并粘贴此地址，即可看到每名人才的下次联系截止日期。'
        + '地址本身就是凭据，请勿转发他人；再次点击“订阅日历”会生成新地址，旧地址随即失效。'}</div></div></section>`);
  const input = $('#calendar-url');
  input.focus();
  input.select();
  $('#calendar-copy').addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(input.value);
      flash('已复制日历订阅地址。');
    } catch {
      input.focus();
      input.select();
      flash('请长按地址或按 Ctrl+C 复制。');
    }
  });
  flash('已生成新的日历订阅地址（此前的地址已失效）。');
}

async function pageLiaison(ctx) {
  const mine = can('contact:log');
  const manage = can('pairing:manage');
  const office = manage || !mine; // the office and auditors see every pairing
  const q = { overdue: ctx.query.get('overdue') === 'true', state: ctx.query.get('state') || '', leader: ctx.query.get('leader') || '' };
  const [own, people] = await Promise.all([
    mine ? api('GET', '/api/v1/pairings?state=active&limit=200') : null,
    manage ? loadPeople() : null,
  ]);
  if (ctx.stale()) return;
  const cards = own ? own.items.filter((p) => p.leader === S.me.username || p.specialist === S.me.username) : [];
  const opt = (v, t, cur) => html`<option value="${v}" ${v === cur ? 'selected' : ''}>${t}</option>`;
  ctx.render(html`
    <div class="page-head"><h1>联系服务</h1>
      ${mine ? html`<div class="filters" id="calendar-actions">${can('dashboard:read') && !can('task:read')
        ? html`<a class="btn" href="#/dashboard" id="liaison-dashboard">督办看板</a>` : ''}<button type="button" class="btn" id="calendar-subscribe"
        title="生成联系截止日期的日历订阅地址（重新生成后旧地址失效）">订阅日历</button></div>` : ''}</div>
    <div id="calendar-box" hidden></div>
    ${contactResultCard()}
    ${mine ? html`<section id="my-pairings-section" aria-labelledby="my-pairings-title">
      <h2 class="section-title" id="my-pairings-title">我联系的人才 <span class="muted small">${cards.length} 人</span></h2>
      <div class="pairing-cards" id="my-pairings">${cards.length ? cards.map(pairingCard) : html`<p class="card muted">暂无结对联系的人才。</p>`}</div>
    </section>` : ''}
    ${office ? html`<section class="card flush" id="pairings-card">
      <div class="card-head"><h2>全部结对</h2>
        <form class="filters" id="pairing-filters">
          <label><input type="checkbox" name="overdue" id="pairings-overdue" ${q.overdue ? 'checked' : ''}> 只看联系逾期</label>
          <label>状态 <select name="state" id="pairings-state">${opt('', '全部', q.state)}${opt('active', '联系中', q.state)}${opt('ended', '已结束', q.state)}</select></label>
        </form></div>
      ${q.leader ? html`<p class="chips pad" id="pairings-leader"><span class="chip">联系领导 ${q.leader}</span> <a href="#/liaison">显示全部</a></p>` : ''}
      <div class="table-wrap"><table class="table" id="pairings-table">
        <thead><tr><th>人才</th><th>联系领导</th><th>服务专员</th><th>下次联系截止</th><th>本年联系</th><th>待办诉求</th><th>状态</th><th class="actions-col">操作</th></tr></thead>
        <tbody id="pairings-rows"><tr class="empty"><td colspan="8">正在加载…</td></tr></tbody></table></div>
      <div class="more"><button type="button" class="btn" id="pairings-more" hidden>加载更多</button></div></section>` : ''}
    ${people ? html`<section class="card" id="new-pairing"><h2>新建结对</h2>
      <p class="muted small">为已认定的人才指定一名县级领导和一名服务专员。A–C 类人才认定后，系统会自动生成“联系领导配对”待办，也可在此直接结对。</p>
      <form id="pairing-new-form" novalidate><div class="form-grid form-grid-3">
        <div class="field"><label for="np-cert">人才认定证书编号</label>
          <input id="np-cert" name="certificate_no" class="mono" maxlength="40" autocomplete="off" aria-describedby="np-cert-hint">
          <div class="hint" id="np-cert-hint">见人才认定证书，如 YG-2026-C-0001</div>
          <div class="field-error" data-error-for="certificate_no"></div></div>
        <div class="field"><label for="np-leader">联系领导（县级领导）</label>
          <select id="np-leader" name="leader">${peopleOptions(people.leaders)}</select>
          <div class="field-error" data-error-for="leader"></div></div>
        <div class="field"><label for="np-specialist">服务专员</label>
          <select id="np-specialist" name="specialist">${peopleOptions(people.specialists)}</select>
          <div class="field-error" data-error-for="specialist"></div></div>
      </div><div class="form-actions"><button type="submit" class="btn btn-primary" id="np-submit">确定结对</button></div></form></section>` : ''}`);

  if (mine) {
    $('#calendar-subscribe').addEventListener('click', () => busy($('#calendar-actions'), () => calendarSubscribe($('#calendar-box')).catch((e) => showError(e))));
    bindContactForms($('#my-pairings'), cards, (msg) => go('#/liaison', msg));
  }
  if (people) bindNewPairing($('#pairing-new-form'));
  if (!office) return;
  $('#pairing-filters').addEventListener('change', (ev) => {
    const p = new URLSearchParams();
    const next = { ...q, [ev.target.name]: ev.target.type === 'checkbox' ? ev.target.checked : ev.target.value };
    if (next.overdue) p.set('overdue', 'true');
    if (next.state) p.set('state', next.state);
    if (next.leader) p.set('leader', next.leader);
    location.hash = '#/liaison' + (p.toString() ? '?' + p.toString() : '');
  });
  const rows = $('#pairings-rows');
  const more = $('#pairings-more');
  let cursor = '';
  let first = true;
  async function load() {
    const p = new URLSearchParams({ limit: '50' });
    if (q.overdue) p.set('overdue', 'true');
    if (q.state) p.set('state', q.state);
    if (q.leader) p.set('leader', q.leader);
    if (cursor) p.set('cursor', cursor);
    const page = await api('GET', '/api/v1/pairings?' + p.toString());
    if (ctx.stale()) return;
    const body = html`${page.items.map(pairingRow)}`;
    if (first) { setHTML(rows, page.items.length ? body : emptyRow(8, q.overdue ? '没有联系逾期的结对。' : '暂无结对。')); first = false; } else rows.insertAdjacentHTML('beforeend', body.s);
    cursor = page.next_cursor || '';
    more.hidden = !cursor;
  }
  more.addEventListener('click', () => busy(more.parentElement, () => load().catch((e) => showError(e))));
  await load();
}

function bindNewPairing(form) {
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearFieldErrors(form);
    const body = { certificate_no: $('#np-cert').value.trim(), leader: $('#np-leader').value, specialist: $('#np-specialist').value };
    const missing = !body.certificate_no ? ['certificate_no', '请填写人才认定证书编号'] : !body.leader ? ['leader', '请选择联系领导']
      : !body.specialist ? ['specialist', '请选择服务专员'] : null;
    if (missing) {
      fieldError(form, ...missing);
      flash(missing[1] + '。', 'error');
      return;
    }
    busy(form, async () => {
      try {
        const r = await api('POST', '/api/v1/pairings', body);
        go('#/pairing?id=' + encodeURIComponent(r.id), `已结对：证书 ${body.certificate_no} 由 ${body.leader} 联系、${body.specialist} 服务，首次联系截止日期已通知联系领导。`);
      } catch (err) {
        if (err instanceof ApiError && err.code === 'already_paired') {
          fieldError(form, 'certificate_no', '该人才已有联系中的结对');
          flash(`${errorLead(err)}：如需调整，请在结对详情中更换联系领导或结束结对。（${err.message}）`, 'error');
        } else showError(err, form);
      }
    });
  });
}

function demandRow(d, withTalent = true) {
  const rateable = can('demand:rate') && RATEABLE.has(d.state);
  const late = d.deadline && !d.resolved && new Date(d.deadline) < new Date();
  return html`<tr data-demand-id="${d.id}" data-state="${d.state}" data-department="${d.department}">
    <td data-label="诉求"><a class="case-link" href="#/case/${encodeURIComponent(d.id)}">${d.type_label || demandTypeLabel(d.type)}</a>
      <div class="small demand-detail">${d.detail}</div></td>
    ${withTalent ? html`<td data-label="人才">${d.talent_name}</td>` : ''}
    <td data-label="承办单位">${deptName(d.department)}</td>
    <td data-label="状态">${stateBadge(d.state)}</td>
    <td data-label="办理时限">${d.deadline ? html`<time class="${late ? 'late' : ''}" datetime="${d.deadline}">${fmtTime(d.deadline)}</time>` : html`<span class="muted">—</span>`}
      ${demandWarn(d.warning)}</td>
    <td data-label="评价">${ratingText(d)}</td>
    <td data-label="操作" class="actions-col"><div class="row-actions">
      ${rateable ? html`<button type="button" class="btn btn-sm btn-primary" data-action="rate" data-demand-id="${d.id}">评价</button>` : ''}
      <a class="btn btn-sm" href="#/case/${encodeURIComponent(d.id)}">查看</a></div></td>
  </tr>`;
}

async function pagePairing(ctx) {
  const id = ctx.query.get('id') || '';
  const p = await api('GET', `/api/v1/pairings/${encodeURIComponent(id)}`);
  const manage = can('pairing:manage') && p.state === 'active';
  const people = manage ? await loadPeople() : null;
  if (ctx.stale()) return;
  const mine = can('contact:log') && p.state === 'active' && (p.leader === S.me.username || p.specialist === S.me.username);
  const summary = [
    ['联系领导', person(p.leader_name, p.leader)], ['服务专员', person(p.specialist_name, p.specialist)],
    ['联系频次', `每年至少 ${p.per_year} 次`], ['本年联系', `${p.contacts_this_year} / ${p.due_this_year} 次`],
    ['最近联系', p.last_contact || '尚未联系'], ['待办诉求', `${p.open_demands} 件`], ['结对时间', fmtTime(p.started_at)],
    ['结束时间', fmtTime(p.ended_at)], ['结束原因', p.end_reason],
  ].filter((r) => r[1]);
  const side = [
    mine ? html`<section class="card decision" id="pairing-contact"><h2>登记联系</h2>
      <p class="muted small">走访、电话联系、座谈或活动后及时登记；人才提出的诉求一并登记，系统转相关部门限时办理。</p>
      <button type="button" class="btn btn-primary btn-block btn-touch" data-action="log-contact" data-pairing-id="${p.id}" aria-expanded="false">登记联系</button>
      <div class="pcard-form" data-form-for="${p.id}" hidden></div></section>` : '',
    manage ? html`<section class="card" id="pairing-manage"><h2>结对管理</h2>
      <form id="reassign-form" novalidate>
        <div class="field"><label for="reassign-leader">更换联系领导为</label>
          <select id="reassign-leader" name="leader">${peopleOptions(people.leaders.filter((u) => u.username !== p.leader))}</select>
          <div class="field-error" data-error-for="leader"></div></div>
        <div class="field"><label for="reassign-reason">更换原因</label>
          <input id="reassign-reason" name="reason" maxlength="500" placeholder="如：原联系领导职务调整">
          <div class="field-error" data-error-for="reason"></div></div>
        <button type="submit" class="btn btn-primary" id="reassign-submit">更换联系领导</button></form>
      <details class="danger-zone" id="end-pairing"><summary>结束结对</summary>
        <form id="end-form" novalidate>
          <div class="field"><label for="end-reason">结束原因</label>
            <textarea id="end-reason" name="reason" rows="2" maxlength="500" placeholder="如：人才已调离本县"></textarea>
            <div class="field-error" data-error-for="reason"></div></div>
          <button type="submit" class="btn btn-danger" id="end-submit">确认结束结对</button></form></details></section>` : '',
  ].filter(Boolean);
  const rendered = ctx.render(html`
    <div class="case-head" id="pairing-detail" data-pairing-id="${p.id}" data-state="${p.state}">
      <div><div class="crumbs"><a href="#/liaison">联系服务</a> / 结对详情</div>
        <h1>${p.talent_name} · 结对联系</h1>
        <div class="muted">${categoryText(p.category)} · 证书 <span class="mono">${p.certificate_no}</span> · <a href="#/case/${encodeURIComponent(p.id)}">流转记录</a></div></div>
      <div class="case-head-state">${pairingBadge(p, 'pairing-state')}</div>
    </div>
    ${contactResultCard()}
    <div class="case-grid ${side.length ? '' : 'no-side'}">
      ${side.length ? html`<aside class="case-side" id="pairing-side">${side}</aside>` : ''}
      <div class="case-main">
        <section class="card" id="pairing-summary"><h2>结对概况</h2>
          ${p.state === 'active' ? html`<p>下次联系截止：${dueCell(p)}</p>` : ''}
          <dl class="dl">${summary.map(([k, v]) => html`<div><dt>${k}</dt><dd>${v}</dd></div>`)}</dl></section>
        <section class="card flush" id="pairing-dues"><h2>联系任务</h2><div class="table-wrap"><table class="table">
          <thead><tr><th>截止日期</th><th>联系领导</th><th>状态</th><th>完成情况</th></tr></thead>
          <tbody>${p.dues.length ? p.dues.map((d) => html`<tr data-due-on="${d.due_on}" data-state="${d.state}">
            <td data-label="截止日期">${d.due_on}</td><td data-label="联系领导">${d.leader}</td>
            <td data-label="状态"><span class="tag due-${d.state}">${DUE_STATES[d.state] || d.state}</span>${d.overdue && d.state === 'open' ? html` <span class="card-badge card-red">已逾期</span>` : ''}</td>
            <td data-label="完成情况">${d.done_on ? `${d.done_on} 已联系` : html`<span class="muted">—</span>`}</td></tr>`) : emptyRow(4, '暂无联系任务。')}</tbody></table></div></section>
        <section class="card flush" id="pairing-contacts"><h2>联系记录</h2><div class="table-wrap"><table class="table">
          <thead><tr><th>日期</th><th>方式</th><th>联系情况</th><th>联系领导</th><th>登记人</th><th>计入</th></tr></thead>
          <tbody>${p.contacts.length ? p.contacts.map((c) => html`<tr data-contact-id="${c.id}">
            <td data-label="日期" class="nowrap">${c.date}</td><td data-label="方式">${contactFormLabel(c.form)}</td>
            <td data-label="联系情况" class="notes-cell">${c.notes || html`<span class="muted">—</span>`}</td><td data-label="联系领导">${c.leader}</td>
            <td data-label="登记人">${c.logged_by}</td><td data-label="计入">${c.due_on ? `${c.due_on} 到期任务` : '加密联系'}</td></tr>`) : emptyRow(6, '尚未登记联系。')}</tbody></table></div></section>
        <section class="card flush" id="pairing-demands"><h2>人才诉求</h2><div class="table-wrap"><table class="table">
          <thead><tr><th>诉求</th><th>承办单位</th><th>状态</th><th>办理时限</th><th>评价</th><th class="actions-col">操作</th></tr></thead>
          <tbody>${p.demands.length ? p.demands.map((d) => demandRow(d, false)) : emptyRow(6, '暂无诉求。')}</tbody></table></div></section>
        <section class="card flush" id="pairing-leaders"><h2>联系领导变更</h2><div class="table-wrap"><table class="table">
          <thead><tr><th>时间</th><th>变更</th><th>原因</th><th>操作人</th></tr></thead>
          <tbody>${p.leaders.length ? p.leaders.map((l) => html`<tr><td data-label="时间" class="nowrap">${fmtTime(l.at)}</td>
            <td data-label="变更">${l.from} → ${l.to}</td><td data-label="原因">${l.reason}</td><td data-label="操作人">${l.by}</td></tr>`) : emptyRow(4, '未更换过联系领导。')}</tbody></table></div></section>
      </div>
    </div>`);
  if (!rendered) return;
  const here = '#/pairing?id=' + encodeURIComponent(p.id);
  if (mine) bindContactForms($('#pairing-contact'), [p], (msg) => go(here, msg));
  bindRateButtons($('#pairing-demands'));
  if (!manage) return;
  const reassign = $('#reassign-form');
  reassign.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearFieldErrors(reassign);
    const body = { leader: $('#reassign-leader').value, reason: $('#reassign-reason').value.trim() };
    if (!body.leader) { fieldError(reassign, 'leader', '请选择新的联系领导'); flash('请选择新的联系领导。', 'error'); return; }
    if (!body.reason) { fieldError(reassign, 'reason', '请填写更换原因'); flash('请填写更换原因。', 'error'); return; }
    busy(reassign, async () => {
      try {
        await api('POST', `/api/v1/pairings/${encodeURIComponent(p.id)}/reassign`, body);
        go(here, `已更换联系领导为 ${body.leader}，此后的联系提醒发给新的联系领导。`);
      } catch (err) { showError(err, reassign); }
    });
  });
  const end = $('#end-form');
  end.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearFieldErrors(end);
    const reason = $('#end-reason').value.trim();
    if (!reason) { fieldError(end, 'reason', '请填写结束原因'); flash('请填写结束原因。', 'error'); return; }
    busy(end, async () => {
      try {
        await api('POST', `/api/v1/pairings/${encodeURIComponent(p.id)}/end`, { reason });
        go(here, '结对已结束，不再产生联系任务。');
      } catch (err) { showError(err, end); }
    });
  });
}

// bindRateButtons sends the 评价 buttons of a demands table to the rating form.
function bindRateButtons(root) {
  root.addEventListener('click', (ev) => {
    const btn = ev.target.closest('button[data-action="rate"]');
    if (btn) location.hash = '#/demands?rate=' + encodeURIComponent(btn.dataset.demandId);
  });
}

function ratingFormHTML(d) {
  const talent = S.me.roles.some((r) => r.role === 'applicant');
  return html`<section class="card decision" id="rating-card" data-demand-id="${d.id}"><h2>评价诉求办理结果</h2>
    <p><strong>${d.type_label || demandTypeLabel(d.type)}</strong>：${d.detail}</p>
    <p class="muted small">承办单位：${deptName(d.department)}${d.state === 'callback' ? ' · 已整改，请再次评价' : ''}</p>
    <form id="rating-form" data-demand-id="${d.id}" novalidate>
      <fieldset class="rating-choices"><legend>满意程度</legend>
        <div class="rating-options">${RATINGS.map(([v, t]) => html`<label class="rating-choice" for="rating-${v}">
          <input type="radio" id="rating-${v}" name="score" value="${v}"> <span>${t}</span></label>`)}</div>
        <div class="field-error" data-error-for="score"></div></fieldset>
      <div class="field"><label for="rating-comment">评价意见 <span class="req">（选填；不满意时请写明原因）</span></label>
        <textarea id="rating-comment" name="comment" rows="3" maxlength="500"></textarea>
        <div class="field-error" data-error-for="comment"></div></div>
      ${talent ? '' : html`<p class="hint">您正以服务专员身份代人才录入评价，请如实记录人才本人的意见。</p>`}
      <p class="hint">评价为“不满意”“非常不满意”的，人才办将核实并督促承办单位整改，整改后回访。</p>
      <div class="form-actions"><button type="submit" class="btn btn-primary" id="rating-submit">提交评价</button>
        <button type="button" class="btn" id="rating-cancel">取消</button></div>
    </form></section>`;
}

async function pageDemands(ctx) {
  const q = {};
  for (const k of ['status', 'type', 'department', 'pairing_id']) q[k] = ctx.query.get(k) || '';
  const rateID = ctx.query.get('rate') || '';
  const opt = (v, t, cur) => html`<option value="${v}" ${v === cur ? 'selected' : ''}>${t}</option>`;
  const staff = can('demand:read');
  const talentView = can('case:apply') && !can('task:read');
  ctx.render(html`
    <div class="page-head"><h1>人才诉求</h1>
      <form class="filters" id="demand-filters">
        <label>状态 <select name="status" id="demands-status">${opt('', '全部', q.status)}${opt('open', '办理中', q.status)}${opt('closed', '已办结', q.status)}</select></label>
        <label>类型 <select name="type" id="demands-type">${opt('', '全部', q.type)}${demandTypes().map(([v, t]) => opt(v, t, q.type))}</select></label>
        ${staff ? html`<label>承办单位 <select name="department" id="demands-department">${opt('', '全部', q.department)}${Object.entries(S.depts)
          .filter(([code]) => !['county', 'public'].includes(code)).map(([v, t]) => opt(v, t, q.department))}</select></label>` : ''}
      </form></div>
    ${q.pairing_id ? html`<p class="muted small">仅显示结对 <a href="#/pairing?id=${encodeURIComponent(q.pairing_id)}">${q.pairing_id}</a> 的诉求 · <a href="#/demands">显示全部</a></p>` : ''}
    <div id="rating-panel"></div>
    <div class="card flush"><div class="table-wrap"><table class="table" id="demands-table">
      <thead><tr><th>诉求</th><th>人才</th><th>承办单位</th><th>状态</th><th>办理时限</th><th>评价</th><th class="actions-col">操作</th></tr></thead>
      <tbody id="demands-rows"><tr class="empty"><td colspan="7">正在加载…</td></tr></tbody></table></div>
      <div class="more"><button type="button" class="btn" id="demands-more" hidden>加载更多</button></div></div>
    <p class="muted small">${talentView ? '您在联系服务中提出的诉求由相关部门限时办理，办结后请评价办理结果（好差评）；逾期未评价的视为满意。'
      : '诉求由联系领导或服务专员登记后转承办单位限时办理，人才办核实答复后请人才评价。'}</p>`);
  $('#demand-filters').addEventListener('change', (ev) => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...q, [ev.target.name]: ev.target.value })) if (v) p.set(k, v);
    location.hash = '#/demands' + (p.toString() ? '?' + p.toString() : '');
  });
  const rows = $('#demands-rows');
  const more = $('#demands-more');
  const loaded = [];
  let cursor = '';
  let first = true;
  async function load() {
    const p = new URLSearchParams({ limit: '100' });
    for (const [k, v] of Object.entries(q)) if (v) p.set(k, v);
    if (cursor) p.set('cursor', cursor);
    const page = await api('GET', '/api/v1/demands?' + p.toString());
    if (ctx.stale()) return;
    loaded.push(...page.items);
    const body = html`${page.items.map((d) => demandRow(d))}`;
    if (first) { setHTML(rows, page.items.length ? body : emptyRow(7, '暂无诉求。')); first = false; } else rows.insertAdjacentHTML('beforeend', body.s);
    cursor = page.next_cursor || '';
    more.hidden = !cursor;
  }
  more.addEventListener('click', () => busy(more.parentElement, () => load().catch((e) => showError(e))));
  const panel = $('#rating-panel');
  function openRating(d) {
    setHTML(panel, ratingFormHTML(d));
    const form = $('#rating-form');
    $('#rating-cancel').addEventListener('click', () => { panel.replaceChildren(); });
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      clearFieldErrors(form);
      const checked = $('input[name="score"]:checked', form);
      const body = { score: checked ? Number(checked.value) : 0, comment: $('#rating-comment').value.trim() };
      if (!body.score) { fieldError(form, 'score', '请选择满意程度'); flash('请选择满意程度。', 'error'); return; }
      if (body.score <= 2 && !body.comment) {
        fieldError(form, 'comment', '请写明不满意的原因，便于核实整改');
        flash('请写明不满意的原因。', 'error');
        return;
      }
      busy(form, async () => {
        try {
          await api('POST', `/api/v1/demands/${encodeURIComponent(d.id)}/rating`, body);
          go('#/demands', body.score <= 2
            ? `已记录您的评价（${ratingLabel(body.score)}）。人才办将核实并督促承办单位整改，整改后回访。`
            : `感谢您的评价（${ratingLabel(body.score)}），诉求已办结。`);
        } catch (err) { showError(err, form); }
      });
    });
    panel.scrollIntoView({ block: 'start' });
    $('#rating-5').focus();
  }
  rows.addEventListener('click', (ev) => {
    const btn = ev.target.closest('button[data-action="rate"]');
    if (!btn) return;
    openRating(loaded.find((d) => d.id === btn.dataset.demandId));
  });
  await load();
  if (rateID && !ctx.stale()) {
    try {
      const d = loaded.find((x) => x.id === rateID) || await api('GET', `/api/v1/demands/${encodeURIComponent(rateID)}`);
      if (ctx.stale()) return;
      if (RATEABLE.has(d.state) && can('demand:rate')) openRating(d);
      else flash('该诉求当前不在待评价状态。', 'error');
    } catch (err) { showError(err); }
  }
}

// ---------- Liaison compliance (联系考核) ----------

const pctText = (v) => (v === null || v === undefined ? '—' : `${v}%`);
const widthClass = (pct) => `w${Math.min(100, Math.max(0, Math.round((pct || 0) / 5) * 5))}`;

function rateMeter(id, name, pct, target, why) {
  const none = pct === null || pct === undefined;
  const ok = !none && pct >= target;
  return html`<div class="meter" id="${id}" data-pct="${none ? '' : pct}" data-target="${target}">
    <div class="meter-head"><strong>${name}</strong>
      <span class="meter-value ${none ? 'muted' : ok ? 'meter-ok' : 'meter-bad'}">${none ? '—' : `${pct}%`}</span>
      <span class="muted small">目标 ${target}%</span>
      ${none ? html`<span class="tag">${why}</span>` : ok ? html`<span class="tag tag-ok">达标</span>` : html`<span class="tag tag-escalation">未达标，差 ${Math.round((target - pct) * 10) / 10} 个百分点</span>`}</div>
    <span class="forecast-bar" aria-hidden="true"><span class="forecast-fill ${ok ? 'fill-ok' : 'fill-bad'} ${widthClass(pct)}"></span></span></div>`;
}

async function pageCompliance(ctx) {
  const thisYear = Number(chinaToday().slice(0, 4));
  const year = Number(ctx.query.get('year')) || thisYear;
  const r = await api('GET', `/api/v1/liaison/compliance?year=${year}`);
  if (ctx.stale()) return;
  const t = r.total;
  const done = t.contacts_due ? Math.round((t.contacts_done / t.contacts_due) * 1000) / 10 : null;
  const dm = r.demands || {};
  const target = dm.target_pct || 100;
  const hours = (h) => {
    if (h === null || h === undefined) return '—';
    if (h >= 1) return `${h} 小时`;
    return h * 60 >= 1 ? `${Math.round(h * 60)} 分钟` : '不足 1 分钟';
  };
  const stars = (v) => (v === null || v === undefined ? '—' : `${v} 分`);
  const years = [thisYear, thisYear - 1, thisYear - 2, thisYear - 3];
  if (!years.includes(year)) years.push(year);
  ctx.render(html`
    <div class="page-head"><h1>联系考核</h1>
      <form class="filters" id="compliance-filters"><label>年度 <select name="year" id="compliance-year">${years.map((y) => html`
        <option value="${y}" ${y === r.year ? 'selected' : ''}>${y} 年</option>`)}</select></label>
        ${can('dashboard:read') ? html`<a class="btn btn-sm" href="#/dashboard" id="compliance-dashboard">督办看板</a>` : ''}</form></div>
    <section class="stats" id="compliance-total" aria-label="${r.year} 年联系情况合计">
      <div class="stat"><span class="stat-value" data-total="pairings">${t.pairings}</span><span class="stat-label">结对人才</span></div>
      <div class="stat"><span class="stat-value" data-total="contacts_due">${t.contacts_due}</span><span class="stat-label">应联系（次）</span></div>
      <div class="stat"><span class="stat-value" data-total="contacts_done">${t.contacts_done}</span><span class="stat-label">已联系（次）</span></div>
      <div class="stat"><span class="stat-value">${pctText(done)}</span><span class="stat-label">联系完成率</span></div>
      <div class="stat ${t.overdue ? 'stat-bad' : ''}"><span class="stat-value" data-total="overdue">${t.overdue}</span><span class="stat-label">联系逾期结对</span></div>
    </section>
    <section class="card flush"><h2>各联系领导 ${r.year} 年联系服务情况</h2><div class="table-wrap"><table class="table" id="compliance-table">
      <thead><tr><th>联系领导</th><th class="num">结对人才</th><th>联系完成（已联系 / 应联系）</th><th class="num">未按期</th><th class="num">当前逾期</th>
        <th class="num">诉求 办理中 / 已办结</th><th class="num">超期诉求</th><th class="num">办结用时中位数</th><th class="num">平均评价</th></tr></thead>
      <tbody>${r.leaders.length ? r.leaders.map((l) => {
        const pct = l.contacts_due ? Math.round((l.contacts_done / l.contacts_due) * 100) : null;
        return html`<tr data-leader="${l.leader}">
          <td data-label="联系领导">${person(l.name, l.leader)}</td>
          <td data-label="结对人才" class="num">${l.pairings}</td>
          <td data-label="联系完成"><div class="progress"><span class="forecast-bar" aria-hidden="true"><span class="forecast-fill ${widthClass(pct)}"></span></span>
            <span class="nowrap" data-done="${l.contacts_done}" data-due="${l.contacts_due}">${l.contacts_done} / ${l.contacts_due}${pct === null ? '' : `（${pct}%）`}</span></div></td>
          <td data-label="未按期" class="num">${l.missed}</td>
          <td data-label="当前逾期" class="num ${l.overdue ? 'bad' : ''}">${l.overdue}</td>
          <td data-label="诉求" class="num">${l.demands_open} / ${l.demands_closed}</td>
          <td data-label="超期诉求" class="num ${l.demands_overdue ? 'bad' : ''}">${l.demands_overdue}</td>
          <td data-label="办结用时" class="num">${hours(l.median_resolution_hours)}</td>
          <td data-label="平均评价" class="num">${stars(l.avg_rating)}</td></tr>`;
      }) : emptyRow(9, '本年度暂无结对。')}</tbody></table></div></section>
    <section class="card" id="compliance-demands"><h2>诉求办理与“好差评”闭环</h2>
      <dl class="dl dl-compact">
        <div><dt>办理中</dt><dd>${dm.demands_open || 0} 件</dd></div><div><dt>已办结</dt><dd>${dm.demands_closed || 0} 件</dd></div>
        <div><dt>超期未办结</dt><dd>${dm.demands_overdue || 0} 件</dd></div><div><dt>办结用时中位数</dt><dd>${hours(dm.median_resolution_hours)}</dd></div>
        <div><dt>平均评价</dt><dd>${stars(dm.avg_rating)}</dd></div><div><dt>差评</dt><dd>${dm.poor_ratings || 0} 件次</dd></div>
        <div><dt>核实属实</dt><dd>${dm.verified || 0}</dd></div><div><dt>已整改</dt><dd>${dm.rectified || 0}</dd></div>
        <div><dt>已回访</dt><dd>${dm.called_back || 0}</dd></div></dl>
      <div class="meters">
        ${rateMeter('rate-rectify', '整改率', dm.rectify_rate_pct, target, '暂无核实属实的差评')}
        ${rateMeter('rate-callback', '回访率', dm.callback_rate_pct, target, '暂无已整改的差评')}
      </div>
      <p class="muted small">整改率 = 已整改 ÷ 核实属实的差评；回访率 = 已回访 ÷ 已整改；目标均为 ${target}%。</p></section>`);
  $('#compliance-year').addEventListener('change', (ev) => { location.hash = '#/compliance?year=' + ev.target.value; });
}

// ---------- Start ----------

window.addEventListener('hashchange', route);
document.addEventListener('DOMContentLoaded', () => {
  $('#logout').addEventListener('click', async () => {
    // End the session on the server too, so the token stops working at once.
    try { await api('POST', '/api/v1/auth/logout', {}); } catch { /* ended already */ }
    logout();
  });
  i18nObserver.observe(document.body, { childList: true, subtree: true, characterData: true });
  markLangButtons();
  translateTree(document.body);
  document.addEventListener('click', (ev) => {
    const btn = ev.target.closest('button[data-lang]');
    if (btn) setLang(btn.dataset.lang);
  });
  setInterval(refreshUnread, 60000);
  route();
});

// ---------- Subsidies (人才补贴发放) ----------

// yuan shows integer fen as yuan with two decimals: 1000000 → ¥10,000.00.
const yuan = (fen) => '¥' + (Number(fen || 0) / 100).toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const KINDS = { living: '生活补贴', rent: '租房补贴', home: '购房补贴', settling: '安家补贴', allowance: '工资外津贴' };
const PAY_STATES = { scheduled: '待到期', held: '暂停（未确认在职）', due: '待发放', in_batch: '批次中', paid: '已发放',
  failed: '发放失败', cancelled: '已取消', recovering: '追回中', recovered: '已追回' };
const BATCH_STATES = { built: '待复核', approved: '已复核，待银行回单', confirmed: '已确认' };
const payBadge = (s) => html`<span class="state pay-${s}" data-pay-state="${s}">${PAY_STATES[s] || s}</span>`;
const months = (m) => (m ? `${m} 个月` : '一次性');

function paymentsTable(pays) {
  if (!pays.length) return html`<p class="muted">尚无发放记录。</p>`;
  return html`<div class="table-wrap"><table class="table"><thead><tr><th>期次</th><th>所属月份</th><th>金额</th><th>状态</th></tr></thead>
    <tbody>${pays.map((p) => html`<tr data-payment-id="${p.id}"><td data-label="期次">第 ${p.seq} 期</td><td data-label="所属月份">${p.period}</td>
      <td data-label="金额" class="num">${yuan(p.amount_fen)}</td><td data-label="状态">${payBadge(p.state)}</td></tr>`)}</tbody></table></div>`;
}

async function pageSubsidies(ctx) {
  const [mine, policies] = await Promise.all([api('GET', '/api/v1/me/subsidies'), api('GET', '/api/v1/subsidy-policies')]);
  if (ctx.stale()) return;
  const offers = mine.offers.filter((o) => o.state === 'offered');
  const talents = mine.talents;
  const eligible = (cert) => {
    const t = talents.find((x) => x.certificate_no === cert);
    return policies.items.filter((p) => t && (p.categories || []).includes(t.category));
  };
  ctx.render(html`
    <div class="page-head"><h1>我的补贴</h1></div>
    ${offers.length ? html`<section class="card"><h2>免申即享 · 可直接领取</h2>
      <p class="muted">根据您的人才认定类别自动匹配，确认收款账户即可领取。</p>
      <div class="offers">${offers.map((o) => html`<div class="offer" data-offer-id="${o.id}">
        <div class="offer-name">${o.policy_name}</div>
        <div class="offer-amount">${yuan(o.amount_fen)}${o.months ? html` <span class="muted">/ 月 × ${o.months}</span>` : html` <span class="muted">一次性</span>`}</div>
        <div class="muted small">证书 ${o.certificate_no}</div>
        <button type="button" class="btn btn-primary btn-sm" data-take="${o.id}">领取</button></div>`)}</div></section>` : ''}
    <section class="card" id="apply-card"><h2>申请补贴</h2>
      ${talents.length ? html`<form id="subsidy-form" novalidate>
        <div class="field"><label for="sf-cert">人才认定证书</label><select id="sf-cert" name="certificate_no">
          ${talents.map((t) => html`<option value="${t.certificate_no}">${t.certificate_no}（${t.name}，${t.category} 类）</option>`)}</select>
          <div class="field-error" data-error-for="certificate_no"></div></div>
        <div class="field"><label for="sf-policy">补贴政策</label><select id="sf-policy" name="policy_id"></select>
          <div class="field-error" data-error-for="policy_id"></div></div>
        <div class="field"><label for="sf-name">收款户名</label><input id="sf-name" name="account_name" maxlength="50" value="${talents[0].name}">
          <div class="field-error" data-error-for="account_name"></div></div>
        <div class="field"><label for="sf-account">收款账号</label><input id="sf-account" name="bank_account" inputmode="numeric" maxlength="40" class="mono" placeholder="银行卡号或账号">
          <div class="field-error" data-error-for="bank_account"></div></div>
        <div class="field"><label for="sf-bank">开户银行</label><input id="sf-bank" name="bank_name" maxlength="100" placeholder="如：中国工商银行阳谷支行">
          <div class="field-error" data-error-for="bank_name"></div></div>
        <button type="submit" class="btn btn-primary">提交申请</button></form>`
    : html`<p class="muted">取得人才认定证书后即可申请补贴。</p>`}</section>
    <section class="card"><h2>我的补贴与发放记录</h2>
      ${mine.subsidies.length ? mine.subsidies.map((s) => html`<div class="subsidy" data-subsidy-id="${s.id}">
        <h3><a href="#/case/${encodeURIComponent(s.id)}">${s.title}</a> ${stateBadge(s.state)}</h3>
        <p class="muted small">政策版本 v${s.policy_version} · 每期 ${yuan(s.amount_fen)} · ${months(s.months)} · 已发放 ${yuan(s.paid_fen)} · 收款账号 ${s.bank_account}${s.left_on ? ` · ${s.left_on} 离职停发` : ''}</p>
        ${paymentsTable(s.payments)}</div>`) : html`<p class="muted">暂无补贴申请。</p>`}
    </section>`);
  const form = $('#subsidy-form');
  if (!form) return;
  const fillPolicies = () => {
    const list = eligible(form.certificate_no.value);
    setHTML(form.policy_id, html`${list.map((p) => html`<option value="${p.id}">${p.name}（v${p.version}，${months(p.months)}）</option>`)}`);
  };
  fillPolicies();
  form.certificate_no.addEventListener('change', fillPolicies);
  $$('[data-take]').forEach((b) => b.addEventListener('click', () => {
    const o = offers.find((x) => x.id === b.dataset.take);
    form.certificate_no.value = o.certificate_no;
    fillPolicies();
    form.policy_id.value = o.policy_id;
    form.account_name.value = o.account_name;
    form.bank_account.focus();
    flash(`已为您填好「${o.policy_name}」，请填写收款账号和开户银行后提交。`);
  }));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearFieldErrors(form);
    const body = Object.fromEntries(['certificate_no', 'policy_id', 'account_name', 'bank_account', 'bank_name'].map((k) => [k, form[k].value.trim()]));
    busy(form, async () => {
      try {
        const r = await api('POST', '/api/v1/subsidies', body);
        go('#/subsidies', `申请已提交（${r.id}），等待用人单位确认在职。`);
      } catch (err) { showError(err, form); }
    });
  });
}

async function pageFunds(ctx) {
  const [budgets, forecast, due, rec] = await Promise.all([
    api('GET', '/api/v1/subsidy-budgets'), api('GET', '/api/v1/subsidy-forecast?months=12'),
    api('GET', '/api/v1/payments?state=due&limit=100'),
    can('recovery:read') ? api('GET', '/api/v1/subsidy-recoveries') : Promise.resolve(null)]);
  if (ctx.stale()) return;
  const peak = Math.max(1, ...forecast.months.map((m) => m.amount_fen));
  ctx.render(html`
    <div class="page-head"><h1>补贴资金</h1></div>
    <section class="card flush"><h2>预算执行（按政策、年度）</h2><div class="table-wrap"><table class="table" id="budget-table">
      <thead><tr><th>政策</th><th>年度</th><th>版本</th><th class="num">年度预算</th><th class="num">已占用</th><th class="num">已发放</th><th class="num">可用余额</th></tr></thead>
      <tbody>${budgets.items.map((b) => html`<tr data-policy-id="${b.policy_id}"><td data-label="政策">${b.name}<div class="muted small">${KINDS[b.kind] || b.kind}</div></td>
        <td data-label="年度">${b.year}</td><td data-label="版本">v${b.version}</td><td data-label="年度预算" class="num">${yuan(b.budget_fen)}</td>
        <td data-label="已占用" class="num">${yuan(b.reserved_fen)}</td><td data-label="已发放" class="num">${yuan(b.paid_fen)}</td>
        <td data-label="可用余额" class="num">${yuan(b.remaining_fen)}</td></tr>`)}</tbody></table></div></section>
    <section class="card"><h2>未来 12 个月资金需求预测 <span class="muted small">合计 ${yuan(forecast.total_fen)}</span></h2>
      <div class="forecast" id="forecast">${forecast.months.map((m) => html`<div class="forecast-row"><span class="forecast-month">${m.month}</span>
        <span class="forecast-bar"><span class="forecast-fill w${Math.round((m.amount_fen / peak) * 20) * 5}"></span></span>
        <span class="num">${yuan(m.amount_fen)}</span></div>`)}</div></section>
    <section class="card flush"><h2>待发放</h2>${ledgerTable(due.items, '没有待发放的款项。')}</section>
    ${rec ? html`<section class="card flush" id="recoveries"><h2>暂停与追回</h2>
      <h3 class="sub">暂停发放（用人单位未按时确认在职）</h3>${ledgerTable(rec.held, '没有暂停的期次。')}
      <h3 class="sub">追回事项</h3>${rec.recoveries.length ? html`<div class="table-wrap"><table class="table"><thead><tr><th>办件</th><th>人才</th><th class="num">金额</th><th>状态</th><th>方式 / 凭证</th></tr></thead>
        <tbody>${rec.recoveries.map((r) => html`<tr><td data-label="办件"><a href="#/case/${encodeURIComponent(r.case_id)}">${r.case_id}</a></td><td data-label="人才">${r.talent_name}</td>
          <td data-label="金额" class="num">${yuan(r.amount_fen)}</td><td data-label="状态">${{ open: '待追回', netting: '抵扣中', recovered: '已追回' }[r.state] || r.state}</td>
          <td data-label="方式">${{ repaid: '退款', netted: '抵扣' }[r.how] || ''} ${r.reference}</td></tr>`)}</tbody></table></div>` : html`<p class="muted pad">没有追回事项。</p>`}</section>` : ''}`);
}

function ledgerTable(items, empty) {
  if (!items.length) return html`<p class="muted pad">${empty}</p>`;
  return html`<div class="table-wrap"><table class="table"><thead><tr><th>办件</th><th>人才</th><th>补贴</th><th>所属月份</th><th class="num">金额</th><th>收款账号</th><th>状态</th></tr></thead>
    <tbody>${items.map((p) => html`<tr data-payment-id="${p.id}"><td data-label="办件"><a href="#/case/${encodeURIComponent(p.case_id)}">${p.case_id}</a></td>
      <td data-label="人才">${p.talent_name}</td><td data-label="补贴">${KINDS[p.kind] || p.kind} v${p.policy_version}</td><td data-label="所属月份">${p.period}</td>
      <td data-label="金额" class="num">${yuan(p.amount_fen)}</td><td data-label="收款账号" class="mono">${p.bank_account}</td><td data-label="状态">${payBadge(p.state)}</td></tr>`)}</tbody></table></div>`;
}

async function pageBatches(ctx) {
  const [batches, due] = await Promise.all([api('GET', '/api/v1/payment-batches'), api('GET', '/api/v1/payments?state=due&limit=200')]);
  if (ctx.stale()) return;
  const open = ctx.query.get('id') || (batches.items[0] || {}).id;
  const batch = open ? await api('GET', '/api/v1/payment-batches/' + encodeURIComponent(open)) : null;
  if (ctx.stale()) return;
  const dueTotal = due.items.reduce((n, p) => n + p.amount_fen, 0);
  ctx.render(html`
    <div class="page-head"><h1>发放批次</h1></div>
    <section class="card"><h2>经办：生成批次</h2>
      <p>当前待发放 <strong id="due-count">${due.items.length}</strong> 笔，合计 <strong>${yuan(dueTotal)}</strong>。生成后须由另一名财政人员复核，方可下载银行代发文件。</p>
      <form id="build-form"><button type="submit" class="btn btn-primary" ${due.items.length ? '' : 'disabled'}>生成发放批次</button></form>
      <div id="build-progress" class="progress-slot" hidden></div></section>
    <section class="card flush"><h2>批次列表</h2><div class="table-wrap"><table class="table" id="batch-table">
      <thead><tr><th>批次</th><th>状态</th><th class="num">笔数</th><th class="num">金额</th><th>经办</th><th>复核</th><th>生成时间</th></tr></thead>
      <tbody>${batches.items.length ? batches.items.map((b) => html`<tr data-batch-id="${b.id}" class="${b.id === open ? 'selected' : ''}">
        <td data-label="批次"><a href="#/batches?id=${encodeURIComponent(b.id)}">${b.id}</a></td><td data-label="状态" data-batch-state="${b.state}">${BATCH_STATES[b.state] || b.state}</td>
        <td data-label="笔数" class="num">${b.line_count}</td><td data-label="金额" class="num">${yuan(b.total_fen)}</td><td data-label="经办">${b.built_by}</td>
        <td data-label="复核">${b.approved_by || '—'}</td><td data-label="生成时间">${fmtTime(b.created_at)}</td></tr>`) : emptyRow(7, '尚无批次。')}</tbody></table></div></section>
    ${batch ? html`<section class="card" id="batch-detail" data-batch-id="${batch.id}" data-batch-state="${batch.state}">
      <h2>批次 ${batch.id} · ${BATCH_STATES[batch.state] || batch.state}</h2>
      <p class="muted">共 ${batch.line_count} 笔，合计 ${yuan(batch.total_fen)}；经办 ${batch.built_by}${batch.approved_by ? `，复核 ${batch.approved_by}` : ''}${batch.confirmed_by ? `，确认 ${batch.confirmed_by}` : ''}。</p>
      <form id="confirm-form"><div class="table-wrap"><table class="table"><thead><tr>${batch.state === 'approved' ? html`<th>失败</th>` : ''}<th>序号</th><th>人才</th><th>所属月份</th><th>收款账号</th><th class="num">金额</th><th class="num">抵扣追回</th><th>结果</th></tr></thead>
        <tbody>${batch.lines.map((l) => html`<tr data-line-id="${l.id}">${batch.state === 'approved' ? html`<td data-label="失败"><input type="checkbox" name="failed" value="${l.id}" aria-label="第 ${l.line_no} 笔发放失败"></td>` : ''}
          <td data-label="序号">${l.line_no}</td><td data-label="人才">${l.talent_name}</td><td data-label="所属月份">${l.period}</td><td data-label="收款账号" class="mono">${l.bank_account}</td>
          <td data-label="金额" class="num">${yuan(l.amount_fen)}</td><td data-label="抵扣追回" class="num">${l.netted_fen ? yuan(l.netted_fen) : '—'}</td>
          <td data-label="结果" data-line-state="${l.state}">${{ pending: '待回单', paid: '已发放', failed: '失败，已退回待发放' }[l.state] || l.state}</td></tr>`)}</tbody></table></div>
        <div class="actions">
          ${batch.state === 'built' ? html`<button type="button" class="btn btn-primary" id="approve-batch">复核通过</button>` : ''}
          ${batch.state !== 'built' ? html`<button type="button" class="btn" id="download-batch">下载银行代发文件（CSV）</button>` : ''}
          ${batch.state === 'approved' ? html`<button type="submit" class="btn btn-primary" id="confirm-batch">登记银行回单（未勾选的视为已发放）</button>` : ''}
        </div></form></section>` : ''}`);
  $('#build-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(ev.target, () => withProgress($('#build-progress'), L(`正在生成发放批次：汇总 ${due.items.length} 笔待发放款项并逐笔锁定，请勿关闭页面…`,
      `Building the batch: collecting and locking ${due.items.length} due payments…`), async () => {
      try {
        const b = await api('POST', '/api/v1/payment-batches', {});
        go('#/batches?id=' + encodeURIComponent(b.id), `已生成批次 ${b.id}：${b.lines.length} 笔，合计 ${yuan(b.total_fen)}，请另一名财政人员复核。`);
      } catch (err) { showError(err); }
    }));
  });
  if (!batch) return;
  const form = $('#confirm-form');
  const approve = $('#approve-batch');
  if (approve) approve.addEventListener('click', () => busy(form, async () => {
    try {
      await api('POST', `/api/v1/payment-batches/${encodeURIComponent(batch.id)}/approve`, {});
      go('#/batches?id=' + encodeURIComponent(batch.id), '复核通过，可下载银行代发文件。');
    } catch (err) {
      if (err instanceof ApiError && err.code === 'four_eyes') {
        flash(`${errorLead(err)}：${L('本批次由您生成，请另一名财政人员复核。', 'you built this batch; another finance officer approves it.')}`, 'error');
      } else showError(err);
    }
  }));
  const download = $('#download-batch');
  if (download) download.addEventListener('click', () => busy(form, async () => {
    try {
      await downloadFile(`/api/v1/payment-batches/${encodeURIComponent(batch.id)}/bank.csv`, `talentflow-${batch.id}.csv`);
      flash('已下载银行代发文件，请导入网银批量代发。');
    } catch (err) { flash(`${L('下载失败', 'Download failed')}：${errorText(err)}`, 'error'); }
  }));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const failed = $$('input[name="failed"]:checked', form).map((i) => i.value);
    busy(form, async () => {
      try {
        await api('POST', `/api/v1/payment-batches/${encodeURIComponent(batch.id)}/confirm`, { failed });
        go('#/batches?id=' + encodeURIComponent(batch.id), failed.length ? `已登记：${failed.length} 笔失败，已退回待发放。` : '已登记：全部发放成功。');
      } catch (err) { showError(err); }
    });
  });
}

// ---------- English dictionary (the 中文 / EN switch) ----------

// EN translates whole texts the console shows: navigation, page titles, buttons, table
// headers, form labels, filters, badges and the labels of every fixed vocabulary. A text not
// here stays in Chinese (see the comment at translateText).
const EN = {
  '流程数据解码': 'Workflow payloads', '开启解码会话': 'Start a decoding session', '打开 Temporal Web UI': 'Open the Temporal Web UI',
  '修改密码': 'Change password', '当前密码': 'Current password', '新密码': 'New password', '再次输入新密码': 'New password again',
  '新密码至少 8 位，并包含小写字母、大写字母、数字、符号中的三类。': 'At least 8 characters mixing three of lower-case, upper-case, digits and symbols.',
  '两次输入的新密码不一致': 'The two new passwords differ',
  // Header, navigation, footer, login
  '人才工作协同审批平台': 'Talent Work Platform', '跳到主要内容': 'Skip to main content', '主导航': 'Main navigation',
  '退出': 'Log out', '县人才工作领导小组办公室': 'County Talent Work Leading Group Office',
  '县人才工作领导小组办公室 · 人才工作协同审批平台': 'County Talent Work Leading Group Office · Talent Work Platform',
  '督办看板': 'Dashboard', '待办事项': 'Inbox', '办件查询': 'Cases', '我的申请': 'My applications', '我的补贴': 'My subsidies',
  '补贴资金': 'Funds', '发放批次': 'Batches', '联系服务': 'Liaison', '人才诉求': 'Demands', '联系考核': 'Compliance',
  '消息通知': 'Notifications', '审计日志': 'Audit log', '用户名': 'Username', '密码': 'Password', '登录': 'Log in', '登录失败': 'Login failed',
  '登录状态仅保存在本浏览器标签页中，关闭后需重新登录。': 'You stay logged in in this browser tab only; log in again after closing it.',
  '正在加载…': 'Loading…', '页面不存在': 'Page not found', '返回首页': 'Back to the home page', '无权访问': 'Access denied',
  '登录已失效，请重新登录。': 'Your session has expired: please log in again.',
  // Common words, buttons, filters
  '全部': 'All', '查询': 'Apply', '刷新': 'Refresh', '查看': 'View', '办理': 'Decide', '认领': 'Claim', '释放': 'Release', '催办': 'Urge',
  '转办': 'Delegate', '加签': 'Add signer', '评论': 'Comment', '确定': 'OK', '取消': 'Cancel', '关闭': 'Close', '打印': 'Print',
  '加载更多': 'Load more', '复制': 'Copy', '编辑': 'Edit', '显示全部': 'Show all', '请选择': 'Choose…', '详情': 'Details', '操作': 'Actions',
  '状态': 'State', '流程': 'Process', '预警': 'Warning', '单位': 'Department', '类型': 'Type', '类别': 'Category', '年度': 'Year', '季度': 'Quarter',
  '起': 'From', '止': 'To', '本月': 'This month', '本季度': 'This quarter', '本年': 'This year', '时间': 'Time', '日期': 'Date', '金额': 'Amount',
  '理由': 'Reason', '原因': 'Reason', '结果': 'Result', '方式': 'Form', '对象': 'Object', '角色': 'Role', '序号': 'No.', '版本': 'Version',
  '（必填）': '(required)', '（选填）': '(optional)', '无': 'None', '已读': 'Read', '标为已读': 'Mark read', '只看未读': 'Unread only',
  '全部标为已读': 'Mark all read', '查看办件': 'Open case', '暂无记录。': 'Nothing yet.', '暂无消息。': 'No messages.',
  // Inbox
  '我的待办': 'My tasks', '部门待办': 'Department', '可认领': 'Claimable', '已办': 'Done by me', '抄送': 'Copied to me', '待办分类': 'Task lists',
  '办件': 'Case', '环节': 'Step', '承办单位': 'Department', '承办人': 'Assignee', '办理时限': 'Deadline', '未认领': 'Unclaimed',
  '批量认领': 'Claim selected', '全选可认领的待办': 'Select all claimable tasks', '选择': 'Select', '清除时间段': 'Clear the period',
  '剩余时间按节假日日历的工作日计算（含调休）；红牌、黄牌按工作日办理时限判定。': 'Time left is in working days on the holiday calendar; red and yellow cards follow the working-day time limits.',
  '暂无待办。可在“可认领”中认领本单位的待办。': 'No tasks. Claim your department\'s tasks under Claimable.',
  '已认领，任务已进入“我的待办”。': 'Claimed: the task is in My tasks.', '按日历时间计算（非工作日）': 'Calendar time, not working days',
  '红牌': 'Red', '黄牌': 'Yellow', '正常': 'Normal', '已超过办理时限': 'Past the time limit', '临近办理时限': 'Near the time limit',
  '待办理': 'Open', '已暂停': 'Paused', '已办结': 'Done', '已取消': 'Cancelled',
  '单人办理': 'Single', '依次审批': 'Sequential', '会签': 'Countersign (all)', '或签': 'Any of', '票签': 'Vote',
  // Case page
  '办件详情': 'Case details', '办件概况': 'Summary', '流程进度': 'Process progress', '当前环节': 'Current step', '申请人': 'Applicant',
  '提交时间': 'Submitted', '最近更新': 'Updated', '补正截止': 'Correction due', '公示截止': 'Public notice ends', '证书编号': 'Certificate no.',
  '办结时间': 'Closed', '办理环节': 'Tasks', '承办单位 / 承办人': 'Department / assignee', '办理意见': 'Opinion', '流转记录': 'Timeline',
  '附件材料': 'Attachments', '审计记录': 'Audit records', '操作人': 'Actor', '申请信息': 'Application', '已脱敏': 'Masked',
  '审批办理': 'Decision', '办理任务': 'Task', '审批结果': 'Outcome', '审批意见': 'Opinion', '提交意见': 'Submit',
  '降级认定为': 'Downgrade to', '退回至': 'Return to', '尚未生成办理任务。': 'No tasks yet.', '暂无评论。': 'No comments.',
  '用时按日历时间计算：自该环节首个待办生成起，至最后一次办理（进行中的环节至当前）。': 'Times are calendar time: from the step\'s first task to its last decision (or now, for a running step).',
  '姓名': 'Name', '公民身份号码': 'Citizen ID number', '手机号码': 'Mobile phone', '最高学历': 'Highest education', '专业技术职称': 'Professional title',
  '专业领域': 'Field', '用人单位统一社会信用代码': 'Employer\'s unified social credit code', '用人单位信用代码': 'Employer credit code',
  '申报人才类别': 'Claimed category', '申报类别': 'Claimed category', '保存草稿': 'Save draft', '提交申请': 'Submit application',
  '新建申请': 'New application', '填写申请': 'Application form', '人才引进认定申请': 'Talent certification application', '编辑草稿': 'Edit draft',
  '查看证书': 'View certificate', '撤回申请': 'Withdraw the application', '撤回原因': 'Reason for withdrawal', '确认撤回': 'Withdraw',
  '公示异议': 'Objection', '提交异议': 'Submit objection', '对公示对象提出异议': 'Object to this public notice', '异议事实与理由': 'Facts and reasons',
  '催办说明': 'Urge note', '转交给（用户名）': 'Hand over to (username)', '转办理由': 'Reason', '加签单位': 'Department to add', '加签理由': 'Reason',
  '添加评论': 'Add a comment', '发表评论': 'Post comment', '人才认定证书': 'Talent certificate', '申请': 'Application', '还没有申请。': 'No applications yet.',
  '退回申请人补正': 'Return to the applicant', '退回部门会签重审': 'Return to department review', '退回窗口重新受理': 'Return to the window',
  // Cases list
  '没有符合条件的办件。': 'No matching cases.',
  // Dashboard
  '各单位在办任务与红黄牌': 'Open tasks and red/yellow cards by department', '办件趋势（按周）': 'Cases per week',
  '各单位办理情况': 'Departments', '补贴预算执行': 'Subsidy budgets', '各流程办件': 'Cases by process', '人才工作联席会季度报告': 'Quarterly joint-meeting report',
  '在办任务': 'Open tasks', '红牌（已超时限）': 'Red (overdue)', '黄牌（临近时限）': 'Yellow (near the limit)', '期内办结任务': 'Tasks done in the period',
  '联系逾期结对': 'Overdue pairings', '超期诉求': 'Overdue demands', '在办': 'Open', '期内办结': 'Done in period', '用时中位数': 'Median time',
  '用时 P90': 'P90 time', '按时办结率': 'On time', '期内新增': 'Started', '当前状态分布': 'Cases by state now', '新增办件': 'Cases started',
  '办结办件': 'Cases finished', '新增': 'Started', '办结': 'Finished', '查看周数据': 'Weekly figures', '周（自周一）': 'Week (from Monday)',
  '正常（在办）': 'Normal (open)', '已发放': 'Paid', '已占用': 'Reserved', '可用余额': 'Remaining', '年度预算': 'Annual budget',
  '已联系 / 应联系（次）': 'Contacts done / due', '已联系 / 应联系': 'Done / due', '联系完成率': 'Contacts done', '联系领导': 'Leader',
  '逾期': 'Overdue', '统计期内提出': 'raised in the period', '办理中': 'Open', '超期（红牌）': 'Overdue (red)', '平均评价': 'Average rating',
  '办结用时中位数': 'Median resolution time', '办结率': 'Resolution rate', '下载 Excel 报告（XLSX）': 'Download Excel (XLSX)', '下载 CSV': 'Download CSV',
  '第一季度': 'Q1', '第二季度': 'Q2', '第三季度': 'Q3', '第四季度': 'Q4', '快速选择统计期': 'Quick periods', '在办任务与红黄牌': 'Open tasks and cards',
  '当前没有在办任务。': 'No open tasks.', '统计期内没有办件。': 'No cases in the period.', '统计期内没有任务。': 'No tasks in the period.',
  '统计期内没有补贴政策。': 'No subsidy policy in the period.', '暂无办件。': 'No cases.',
  '已发放与已占用占年度预算的比例': 'paid and reserved against the annual budget',
  '打开办理中的诉求，超期者标红牌': 'Opens the open demands; overdue ones carry a red card',
  '在办、红牌、黄牌为当前数；办结、用时（工作小时）与按时率按统计期内办结的任务计算。点击数字查看对应的待办列表。':
    'Open, red and yellow are counts now; done, times (working hours) and on-time share count the tasks decided in the period. Click a number for its list.',
  '报告含单位办理情况、流程办件、补贴预算执行、联系服务四部分，口径与本看板一致，供联席会使用。':
    'The report has four parts — departments, processes, subsidy budgets, liaison — counted as on this dashboard, for the joint meeting.',
  // Subsidies and finance
  '申请补贴': 'Apply for a subsidy', '我的补贴与发放记录': 'My subsidies and payments', '人才认定证书编号': 'Certificate number',
  '补贴政策': 'Subsidy policy', '收款户名': 'Account name', '收款账号': 'Account number', '开户银行': 'Bank', '领取': 'Take',
  '免申即享 · 可直接领取': 'Offered to you · take it directly', '期次': 'Period', '所属月份': 'Month', '一次性': 'One-time',
  '预算执行（按政策、年度）': 'Budgets (by policy and year)', '政策': 'Policy', '待发放': 'Due', '暂停与追回': 'Held and recovered',
  '未来 12 个月资金需求预测': 'Funds needed in the next 12 months', '追回事项': 'Recoveries', '没有待发放的款项。': 'No payment is due.',
  '经办：生成批次': 'Build a batch', '生成发放批次': 'Build payment batch', '批次列表': 'Batches', '批次': 'Batch', '笔数': 'Lines',
  '经办': 'Built by', '复核': 'Approved by', '生成时间': 'Built at', '复核通过': 'Approve', '下载银行代发文件（CSV）': 'Download the bank file (CSV)',
  '登记银行回单（未勾选的视为已发放）': 'Record the bank\'s answer (unticked lines are paid)', '失败': 'Failed', '抵扣追回': 'Netted',
  '尚无批次。': 'No batches yet.', '待复核': 'Awaiting approval', '已复核，待银行回单': 'Approved, awaiting the bank', '已确认': 'Confirmed',
  '待回单': 'Pending', '失败，已退回待发放': 'Failed, due again', '下载失败': 'Download failed', '报告生成失败': 'The report failed',
  // Liaison and demands
  '我联系的人才': 'My talents', '登记联系': 'Log a contact', '订阅日历': 'Subscribe to calendar', '全部结对': 'All pairings',
  '只看联系逾期': 'Overdue only', '人才': 'Talent', '服务专员': 'Service specialist', '下次联系截止': 'Next contact due', '本年联系': 'Contacts this year',
  '待办诉求': 'Open demands', '新建结对': 'New pairing', '确定结对': 'Pair', '联系中': 'Active', '已结束': 'Ended', '结对详情': 'Pairing',
  '结对概况': 'Summary', '联系任务': 'Contact dues', '联系记录': 'Contacts', '联系领导变更': 'Leader changes', '结对管理': 'Manage pairing',
  '更换联系领导': 'Change leader', '更换联系领导为': 'New leader', '更换原因': 'Reason', '结束结对': 'End pairing', '结束原因': 'Reason',
  '确认结束结对': 'End the pairing', '联系日期': 'Date', '联系方式': 'Form', '联系情况': 'Notes', '提交登记': 'Save contact',
  '＋ 添加诉求': '+ Add a demand', '诉求类型': 'Demand type', '诉求内容': 'Demand', '删除此条诉求': 'Remove this demand', '诉求': 'Demand',
  '评价': 'Rating', '去评价': 'Rate', '待评价': 'To rate', '提交评价': 'Submit rating', '满意程度': 'Satisfaction', '评价意见': 'Comment',
  '截止日期': 'Due', '完成情况': 'Done', '登记人': 'Logged by', '计入': 'Counts for', '变更': 'Change', '最近联系': 'Last contact',
  '尚未联系': 'Not yet contacted', '联系频次': 'Cadence', '结对时间': 'Paired at', '结束时间': 'Ended at', '待联系': 'Due', '已联系': 'Done',
  '未按期联系': 'Missed', '日历订阅地址': 'Calendar address', '结对人才': 'Pairings', '应联系（次）': 'Contacts due', '已联系（次）': 'Contacts done',
  '未按期': 'Missed', '当前逾期': 'Overdue now', '整改率': 'Rectification rate', '回访率': 'Call-back rate', '达标': 'On target',
  '诉求办理与“好差评”闭环': 'Demands and the rating loop', '联系完成（已联系 / 应联系）': 'Contacts (done / due)',
  '走访': 'Visit', '电话联系': 'Call', '座谈': 'Meeting', '活动': 'Event',
  '子女入学': 'School place', '户籍办理': 'Hukou', '住房保障': 'Housing', '实验室与场地': 'Lab and space', '项目资金': 'Funding',
  '医疗保健': 'Medical care', '配偶就业': 'Spouse\'s job', '其他': 'Other',
  '非常满意': 'Very satisfied', '满意': 'Satisfied', '基本满意': 'Fairly satisfied', '不满意': 'Dissatisfied', '非常不满意': 'Very dissatisfied',
  // Audit and notifications
  '校验哈希链': 'Verify the hash chain', '哈希链完整': 'Hash chain intact', '哈希链异常': 'Hash chain broken',
  '到期提醒': 'Reminder', '督办升级': 'Escalation', '待办': 'Task', '通知': 'Notice',
  // Vocabularies the API labels in Chinese: processes, states, steps, outcomes, categories, roles, kinds
  '人才引进认定': 'Talent certification', '人才补贴发放': 'Subsidy', '联系领导配对': 'Leader pairing', '领导干部联系服务专家': 'Liaison',
  '人才诉求办理': 'Demand', '草稿': 'Draft', '已提交': 'Submitted', '退回补正': 'Returned for correction', '未通过': 'Rejected', '已撤回': 'Withdrawn',
  '逾期关闭': 'Expired', '窗口受理': 'Window acceptance', '部门会签': 'Department review', '审定': 'Sign-off', '公示中': 'Public notice',
  '异议处理': 'Objection', '制证中': 'Issuing certificate', '已认定': 'Certified', '在职确认': 'Employment check', '人社审核': 'HRSS review',
  '财政审批': 'Finance approval', '发放中': 'Paying', '追回中': 'Recovering', '发放完毕': 'Completed', '离职停发': 'Stopped (left)',
  '待配对': 'Awaiting pairing', '已配对': 'Paired', '联系逾期': 'Contact overdue', '部门办理': 'Department answering', '核实答复': 'Verifying',
  '差评核实': 'Complaint check', '整改中': 'Rectifying', '回访再评价': 'Call-back', '领导小组办公室审定': 'Office sign-off', '公示异议处理': 'Objection handling',
  '公示': 'Public notice', '证书制发': 'Certificate', '用人单位在职确认': 'Employer confirms employment', '财政局审批': 'Finance approval',
  '发放前在职确认': 'Employment re-check', '追回登记': 'Recovery', '指定联系领导与服务专员': 'Choose leader and specialist',
  '部门办理答复': 'Department reply', '人才办核实答复': 'Office verifies the reply', '人才评价': 'Talent rates', '差评整改': 'Rectification',
  '同意': 'Approve', '不同意': 'Reject', '降级认定': 'Downgrade', '异议成立': 'Objection upheld', '异议不成立': 'Objection dismissed',
  '转交其他部门': 'Forward to another department', '答复（办理完毕）': 'Reply (done)', '转交其他单位': 'Forward',
  '答复属实，请人才评价': 'Reply verified: ask for a rating', '退回重新答复': 'Return for a new reply', '差评属实，转整改': 'Complaint valid: rectify',
  '评价不实（申诉复核）': 'Complaint not valid', '整改完成': 'Rectified',
  '顶尖人才': 'Top talent', '领军人才': 'Leading talent', '高端人才': 'High-end talent', '急需紧缺人才': 'Urgently needed talent',
  '青年/高校毕业生人才': 'Young talent / graduates', '博士研究生': 'Doctorate', '硕士研究生': 'Master\'s', '大学本科': 'Bachelor\'s', '大专': 'College',
  '中专/技工': 'Vocational', '正高级': 'Senior', '副高级': 'Associate senior', '中级': 'Intermediate', '初级': 'Junior', '高级技师': 'Senior technician',
  '技师': 'Technician', '窗口受理员': 'Window clerk', '成员单位审核人': 'Department reviewer', '成员单位分管领导': 'Department head',
  '人才办': 'Talent office', '县级领导': 'County leader', '财政局支付专员': 'Finance officer', '纪检审计': 'Auditor', '系统管理员': 'Administrator',
  '用人单位经办人': 'Employer clerk', '生活补贴': 'Living allowance', '租房补贴': 'Rent subsidy', '购房补贴': 'Home purchase', '安家补贴': 'Settling-in grant',
  '工资外津贴': 'Allowance', '待到期': 'Scheduled', '暂停（未确认在职）': 'Held (employment not confirmed)', '批次中': 'In batch',
  '发放失败': 'Failed', '已追回': 'Recovered',
  // Timeline events
  '提交': 'Submitted', '环节开始': 'Step opened', '生成待办': 'Task opened', '退回待领': 'Released', '黄牌预警': 'Yellow card', '红牌预警': 'Red card',
  '督办上报': 'Escalated', '退回': 'Returned', '重新提交': 'Resubmitted', '撤回': 'Withdrawn', '公示开始': 'Notice started', '公示恢复': 'Notice resumed',
  '颁发证书': 'Certificate issued', '预算占用': 'Budget reserved', '预算不足': 'Budget exhausted', '列入待发放': 'Payment due', '暂停发放': 'Payment held',
  '恢复发放': 'Payment resumed', '追回立项': 'Recovery opened', '结对联系': 'Paired', '联系提醒': 'Contact reminder', '逾期再提醒': 'Overdue reminder',
  '本期未联系': 'Contact missed', '本期已联系': 'Contact due met', '节假日数据缺失': 'Holiday data missing',
};
