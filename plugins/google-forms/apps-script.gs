/**
 * kinerja: pengirim jawaban Google Forms (Apps Script, V8) / Google Forms response sender.
 *
 * ID  Tempel seluruh berkas ini di Google Form (titik tiga > Apps Script / Extensions > Apps Script),
 *     isi Script Properties WEBHOOK_URL dan WEBHOOK_SECRET, lalu jalankan installTriggers() sekali.
 *     Setiap jawaban dikirim ke kinerja dengan tanda tangan HMAC-SHA256. Bila kinerja tidak bisa
 *     dihubungi, jawaban diparkir dan dikirim ulang tiap 10 menit (Apps Script tidak pernah
 *     mencoba ulang sendiri). Jalankan testSend() untuk menguji sambungan.
 * EN  Paste this whole file into the Google Form's Apps Script project (Extensions > Apps Script),
 *     set the Script Properties WEBHOOK_URL and WEBHOOK_SECRET, then run installTriggers() once.
 *     Every response is POSTed to kinerja, signed with HMAC-SHA256. When kinerja cannot be reached
 *     the response is parked and re-sent every 10 minutes (Apps Script never retries on its own).
 *     Run testSend() to check the connection.
 *
 * Wire format (what plugins/google-forms in kinerja reads):
 *   POST WEBHOOK_URL, Content-Type: application/json; charset=utf-8
 *   X-Appraisal-Signature: sha256=<base64 HMAC-SHA256(WEBHOOK_SECRET, exact body bytes)>
 *   { source: 'google-forms', schemaVersion: 1, formId, formTitle, responseId, submittedAt,
 *     respondentEmail, triggerUid, attempt, sentAt, answers: [{ itemId, title, type, rows?, response }] }
 *
 * Functions you run by hand (Run button): installTriggers, testSend, listItems, queueAllResponses, listParked.
 * Functions the triggers run: sendResponse (on each submit), retryParked (every 10 minutes).
 */

const RETRY_PREFIX = 'retry:';   // Script Property 'retry:<responseId>' = attempts made so far
const FAILED_PREFIX = 'failed:'; // 'failed:<responseId>' = when we gave up (see listParked)
const MAX_ATTEMPTS = 50;         // 50 tries 10 minutes apart: about 8 hours of kinerja being away
const RUN_BUDGET_MS = 4.5 * 60 * 1000; // stop a retry run well before Apps Script's 6-minute limit

/** Run once: creates the on-submit trigger and the 10-minute retry trigger (replacing old copies). */
function installTriggers() {
  config_(); // fail now, with a clear message, if the Script Properties are missing
  const form = FormApp.getActiveForm();
  ScriptApp.getProjectTriggers()
    .filter((t) => ['sendResponse', 'retryParked'].indexOf(t.getHandlerFunction()) >= 0)
    .forEach((t) => ScriptApp.deleteTrigger(t));
  // Installable, not simple, triggers: a simple onFormSubmit may not call UrlFetchApp.
  ScriptApp.newTrigger('sendResponse').forForm(form).onFormSubmit().create();
  ScriptApp.newTrigger('retryParked').timeBased().everyMinutes(10).create();
  console.log('Trigger terpasang / triggers installed: sendResponse (on submit), retryParked (every 10 min).');
}

/** On-submit trigger: send now; park for a later retry when kinerja could not take it. */
function sendResponse(e) {
  const response = e.response;
  let result = { outcome: 'retry' };
  try {
    result = deliver_(response, e.triggerUid, 1);
  } catch (err) {
    console.warn('send failed, parked for retry: ' + err); // e.g. Script Properties not set yet
  }
  if (result.outcome === 'retry') park_(response.getId(), 1);
}

/** Time trigger (every 10 minutes): re-sends parked responses, rebuilt from the form. */
function retryParked() {
  const lock = LockService.getScriptLock();
  if (!lock.tryLock(1000)) return; // the previous run is still working through the queue
  try {
    const started = Date.now();
    const props = PropertiesService.getScriptProperties();
    const form = FormApp.getActiveForm();
    const parked = Object.keys(props.getProperties()).filter((k) => k.indexOf(RETRY_PREFIX) === 0);
    for (const key of parked) {
      if (Date.now() - started > RUN_BUDGET_MS) break; // the next run continues
      const id = key.slice(RETRY_PREFIX.length);
      const attempt = Number(props.getProperty(key) || 0) + 1;
      let result = { outcome: 'retry' };
      try {
        result = deliver_(form.getResponse(id), null, attempt);
      } catch (err) {
        console.warn('retry of ' + id + ' failed: ' + err); // network, quota, or a deleted response
      }
      if (result.outcome !== 'retry') {
        props.deleteProperty(key);
      } else if (attempt >= MAX_ATTEMPTS) {
        props.deleteProperty(key);
        props.setProperty(FAILED_PREFIX + id, new Date().toISOString());
        console.error('gave up on response ' + id + ' after ' + attempt + ' attempts; run queueAllResponses() once kinerja is reachable');
      } else {
        props.setProperty(key, String(attempt));
      }
    }
  } finally {
    lock.releaseLock();
  }
}

/** Run by hand to check URL and secret: re-sends the latest response (kinerja counts it once). */
function testSend() {
  const cfg = config_();
  const responses = FormApp.getActiveForm().getResponses();
  if (responses.length === 0) {
    console.log('Belum ada jawaban: isi formulir sekali (pratinjau), lalu jalankan testSend lagi. / ' +
      'No response yet: submit the form once (preview), then run testSend again.');
    return;
  }
  const result = deliver_(responses[responses.length - 1], null, 1);
  const meaning = {
    200: 'OK: kinerja menerima jawaban (atau sudah pernah menerimanya). / accepted (or already had it).',
    401: 'Tanda tangan/URL salah: samakan WEBHOOK_SECRET dengan secret binding, periksa WEBHOOK_URL. / bad signature or unknown hook: check WEBHOOK_SECRET and WEBHOOK_URL.',
    422: 'Tersambung, tetapi isinya ditolak: baca pesan di bawah (mapping, NIP, nilai). / connected, but the content was rejected: read the message below.',
    503: 'kinerja sibuk atau secret belum dipasang di server; coba lagi nanti. / kinerja is busy or its secret is not configured; try again later.',
  };
  const code = result.code >= 200 && result.code < 300 ? 200 : result.code;
  console.log('HTTP ' + result.code + ': ' + (meaning[code] || 'lihat pesan di bawah / see the message below') +
    '\n' + (result.text || '').slice(0, 1000));
  console.log('URL: ' + cfg.url);
}

/** Run by hand: prints each question's field names in kinerja, to write the binding's mapping. */
function listItems() {
  const T = FormApp.ItemType;
  const layout = [T.SECTION_HEADER, T.PAGE_BREAK, T.IMAGE, T.VIDEO];
  const lines = [];
  FormApp.getActiveForm().getItems().forEach((item) => {
    const type = item.getType();
    if (layout.indexOf(type) >= 0) return; // not a question: never in a response
    const title = item.getTitle().trim();
    const id = 'item:' + item.getId();
    let rows = null;
    if (type === T.GRID) rows = item.asGridItem().getRows();
    if (type === T.CHECKBOX_GRID) rows = item.asCheckboxGridItem().getRows();
    if (rows) rows.forEach((r) => lines.push(JSON.stringify(title + ' [' + r.trim() + ']') + '  /  ' + JSON.stringify(id + ':' + r.trim()) + '  (' + type + ')'));
    else lines.push(JSON.stringify(title) + '  /  ' + JSON.stringify(id) + '  (' + type + ')');
  });
  console.log('Nama field di kinerja (judul / item id) / field names in kinerja (title / item id):\n' + lines.join('\n'));
}

/** Run by hand to (re)send every response of the form, e.g. those submitted before installTriggers. */
function queueAllResponses() {
  const props = PropertiesService.getScriptProperties();
  const responses = FormApp.getActiveForm().getResponses();
  responses.forEach((r) => {
    props.deleteProperty(FAILED_PREFIX + r.getId());
    park_(r.getId(), 0);
  });
  console.log(responses.length + ' jawaban diantrekan; terkirim dalam 10 menit berikutnya. / ' + responses.length +
    ' responses queued; they go out on the next 10-minute run (kinerja counts each once).');
}

/** Run by hand: lists responses waiting for a retry and those given up on. */
function listParked() {
  const all = PropertiesService.getScriptProperties().getProperties();
  const waiting = Object.keys(all).filter((k) => k.indexOf(RETRY_PREFIX) === 0);
  const failed = Object.keys(all).filter((k) => k.indexOf(FAILED_PREFIX) === 0);
  console.log('Menunggu / waiting: ' + waiting.length + '\n' + waiting.map((k) => k.slice(RETRY_PREFIX.length) + ' (' + all[k] + ' attempts)').join('\n'));
  console.log('Gagal / given up: ' + failed.length + '\n' + failed.map((k) => k.slice(FAILED_PREFIX.length) + ' at ' + all[k]).join('\n'));
}

// ---------------------------------------------------------------------------------------------
// Internals (names ending in _ cannot be run from the menu).

function config_() {
  const p = PropertiesService.getScriptProperties();
  const url = p.getProperty('WEBHOOK_URL');
  const secret = p.getProperty('WEBHOOK_SECRET');
  if (!url || !/^https:\/\//.test(url) || !secret) {
    throw new Error('Isi Script Properties WEBHOOK_URL (https://...) dan WEBHOOK_SECRET di Project Settings. / ' +
      'Set the Script Properties WEBHOOK_URL (https://...) and WEBHOOK_SECRET in Project Settings.');
  }
  return { url: url, secret: secret };
}

/** The body kinerja reads: every answered item with its id, title, type and raw response. */
function build_(r, triggerUid, attempt) {
  const form = FormApp.getActiveForm();
  const answers = r.getItemResponses().map((ir) => {
    const item = ir.getItem();
    const type = item.getType();
    const a = { itemId: item.getId(), title: item.getTitle(), type: String(type) };
    // Row titles name the fields of a grid ("<title> [<row>]"); without them rows are numbered.
    if (type === FormApp.ItemType.GRID) a.rows = item.asGridItem().getRows();
    if (type === FormApp.ItemType.CHECKBOX_GRID) a.rows = item.asCheckboxGridItem().getRows();
    a.response = ir.getResponse(); // String | String[] (CHECKBOX, GRID) | String[][] (CHECKBOX_GRID)
    return a;
  });
  return {
    source: 'google-forms', schemaVersion: 1, formId: form.getId(), formTitle: form.getTitle(),
    responseId: r.getId(), submittedAt: r.getTimestamp().toISOString(), respondentEmail: r.getRespondentEmail() || null,
    triggerUid: triggerUid, attempt: attempt, sentAt: new Date().toISOString(), answers: answers,
  };
}

/** UTF-8 bytes of a string: what is signed is exactly what is sent. */
function utf8_(s) {
  return Utilities.newBlob('').setDataFromString(s, 'UTF-8').getBytes();
}

/**
 * Sends one response. outcome 'ok' (2xx: accepted or a duplicate), 'rejected' (400/413/422:
 * kinerja stored it as rejected; fix the binding and replay it there, re-sending would not help),
 * or 'retry' (anything else: network error, 401 before the secret is fixed, 5xx, 429...).
 */
function deliver_(r, triggerUid, attempt) {
  const cfg = config_();
  const bytes = utf8_(JSON.stringify(build_(r, triggerUid, attempt)));
  const signature = Utilities.base64Encode(Utilities.computeHmacSha256Signature(bytes, utf8_(cfg.secret)));
  let res;
  try {
    res = UrlFetchApp.fetch(cfg.url, {
      method: 'post',
      contentType: 'application/json; charset=utf-8',
      payload: bytes,
      headers: { 'X-Appraisal-Signature': 'sha256=' + signature },
      muteHttpExceptions: true, // read 4xx/5xx instead of throwing
      followRedirects: false,   // a redirect would drop the POST body
    });
  } catch (err) {
    console.warn('webhook fetch failed: ' + err); // DNS, timeout, quota: fetch throws
    return { outcome: 'retry', code: 0, text: String(err) };
  }
  const code = res.getResponseCode();
  const text = res.getContentText();
  if (code >= 200 && code < 300) return { outcome: 'ok', code: code, text: text };
  if (code === 400 || code === 413 || code === 422) {
    console.error('kinerja rejected response ' + r.getId() + ' (HTTP ' + code + '): ' + text.slice(0, 500));
    return { outcome: 'rejected', code: code, text: text };
  }
  console.warn('webhook HTTP ' + code + ' for response ' + r.getId() + ': ' + text.slice(0, 200));
  return { outcome: 'retry', code: code, text: text };
}

function park_(id, attempts) {
  PropertiesService.getScriptProperties().setProperty(RETRY_PREFIX + id, String(attempts));
}
