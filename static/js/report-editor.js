/*
 * The report editing page: live checking, saving, spreadsheet-like keys and paste.
 *
 * The rules are NOT here: every check is the server's reports/rules.py, asked through
 * POST {cells, texts} → {errors, warnings}. This script only shows the answer at the cells
 * and texts concerned and in the summary.
 *
 * Nothing typed is lost: every change is mirrored to localStorage (per report, with the
 * version it was typed on) until the server has it; a save from a stale version is refused
 * by the server (409) and the input stays on screen, to be re-applied on the newest version.
 */
(function () {
  "use strict";

  var configElement = document.getElementById("editor-config");
  var form = document.getElementById("report-form");
  if (!configElement || !form) {
    return;
  }
  var config = JSON.parse(configElement.textContent);

  var CHECK_DELAY = 250;
  var AUTOSAVE_EVERY = 5000;
  var BLUR_SAVE_DELAY = 1500;
  var storageKey = "govreport:draft:" + config.reportId;
  var restoreFlagKey = "govreport:reapply:" + config.reportId;

  var versionInput = form.querySelector("input[name=version]");
  var saveButton = document.getElementById("save-button");
  var submitButton = document.getElementById("submit-button");
  var saveStatus = document.getElementById("save-status");
  var submitHint = document.getElementById("submit-hint");
  var versionDisplay = document.getElementById("version-display");
  var conflictAlert = document.getElementById("conflict-alert");
  var restoreAlert = document.getElementById("restore-alert");
  var editorAlert = document.getElementById("editor-alert");
  var errorsBox = document.getElementById("check-errors");
  var warningsList = document.getElementById("check-warnings");
  var noWarnings = document.getElementById("no-warnings");
  var countErrors = document.getElementById("count-errors");
  var countWarnings = document.getElementById("count-warnings");
  var checkBusy = document.getElementById("check-busy");
  var pageCsrfToken = (form.querySelector("input[name=csrfmiddlewaretoken]") || {}).value || "";

  /* The CSRF token as of now: signing in again (in another tab, after the session expired)
     rotates it, and the cookie has the new one while the page still holds the old. */
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : pageCsrfToken;
  }

  var cellInputs = Array.prototype.slice.call(form.querySelectorAll("input.cell-input"));
  var textInputs = Array.prototype.slice.call(form.querySelectorAll("textarea.report-text"));

  var state = {
    version: config.version,
    explanations: Object.assign({}, config.explanations || {}),
    dirty: { cells: new Set(), texts: new Set(), explanations: new Set() },
    saving: null,
    conflict: null,
    frozen: false, // not editable any more (submitted elsewhere, or signed out)
    lastResult: config.initial,
    checkSequence: 0,
    checkController: null,
    checkTimer: null,
    blurTimer: null,
    submitting: false,
  };

  // ── Small helpers ───────────────────────────────────────────────────────────────────

  function cellId(code) {
    return "cell-" + code.split(".").join("-");
  }

  function textId(key) {
    return "text-" + key;
  }

  function byCode(code) {
    return document.getElementById(cellId(code));
  }

  function byText(key) {
    return document.getElementById(textId(key));
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = text;
    }
    return node;
  }

  function show(node, visible) {
    if (node) {
      node.classList.toggle("d-none", !visible);
    }
  }

  function setStatus(text, kind) {
    if (!saveStatus) {
      return;
    }
    saveStatus.textContent = text;
    saveStatus.dataset.state = kind || "";
  }

  function showEditorAlert(message) {
    editorAlert.textContent = message;
    show(editorAlert, Boolean(message));
  }

  function hasDirty() {
    return state.dirty.cells.size + state.dirty.texts.size + state.dirty.explanations.size > 0;
  }

  function screenCells() {
    var cells = {};
    cellInputs.forEach(function (input) {
      cells[input.dataset.code] = input.value;
    });
    return cells;
  }

  function screenTexts() {
    var texts = {};
    textInputs.forEach(function (input) {
      texts[input.dataset.text] = input.value;
    });
    return texts;
  }

  function dirtyValues() {
    var result = { cells: {}, texts: {}, explanations: {} };
    state.dirty.cells.forEach(function (code) {
      result.cells[code] = byCode(code).value;
    });
    state.dirty.texts.forEach(function (key) {
      result.texts[key] = byText(key).value;
    });
    state.dirty.explanations.forEach(function (key) {
      result.explanations[key] = state.explanations[key] || "";
    });
    return result;
  }

  // ── The local mirror: nothing typed is lost ─────────────────────────────────────────

  function persistLocal() {
    try {
      if (!hasDirty()) {
        window.localStorage.removeItem(storageKey);
        return;
      }
      var entry = dirtyValues();
      entry.reportId = config.reportId;
      entry.baseVersion = state.version;
      entry.savedAt = new Date().toISOString();
      window.localStorage.setItem(storageKey, JSON.stringify(entry));
    } catch (error) {
      // Storage full or disabled: the server save still runs.
    }
  }

  function readLocal() {
    try {
      var entry = JSON.parse(window.localStorage.getItem(storageKey) || "null");
      return entry && entry.reportId === config.reportId ? entry : null;
    } catch (error) {
      return null;
    }
  }

  function localDifferences(entry) {
    var count = 0;
    Object.keys(entry.cells || {}).forEach(function (code) {
      var input = byCode(code);
      if (input && input.value !== entry.cells[code]) {
        count += 1;
      }
    });
    Object.keys(entry.texts || {}).forEach(function (key) {
      var input = byText(key);
      if (input && input.value !== entry.texts[key]) {
        count += 1;
      }
    });
    Object.keys(entry.explanations || {}).forEach(function (key) {
      if ((state.explanations[key] || "") !== entry.explanations[key]) {
        count += 1;
      }
    });
    return count;
  }

  function applyLocal(entry) {
    Object.keys(entry.cells || {}).forEach(function (code) {
      var input = byCode(code);
      if (input && input.value !== entry.cells[code]) {
        input.value = entry.cells[code];
        state.dirty.cells.add(code);
      }
    });
    Object.keys(entry.texts || {}).forEach(function (key) {
      var input = byText(key);
      if (input && input.value !== entry.texts[key]) {
        input.value = entry.texts[key];
        state.dirty.texts.add(key);
      }
    });
    Object.keys(entry.explanations || {}).forEach(function (key) {
      if ((state.explanations[key] || "") !== entry.explanations[key]) {
        state.explanations[key] = entry.explanations[key];
        state.dirty.explanations.add(key);
        var area = warningsList.querySelector('textarea[data-key="' + cssEscape(key) + '"]');
        if (area) {
          area.value = entry.explanations[key];
        }
      }
    });
    persistLocal();
    markUnsaved();
    scheduleCheck(0);
  }

  function offerRestore() {
    var entry = readLocal();
    if (!entry) {
      return;
    }
    var differences = localDifferences(entry);
    if (differences === 0) {
      window.localStorage.removeItem(storageKey);
      return;
    }
    var reapply = false;
    try {
      reapply = window.sessionStorage.getItem(restoreFlagKey) === "1";
      window.sessionStorage.removeItem(restoreFlagKey);
    } catch (error) {
      reapply = false;
    }
    if (reapply) {
      applyLocal(entry);
      showEditorAlert(
        "已载入最新的第 " + state.version + " 版，并在其上重新应用了您的 " + differences + " 处修改，请核对后保存。"
      );
      return;
    }
    var when = new Date(entry.savedAt);
    var message =
      "本机浏览器中有 " + differences + " 处尚未保存到服务器的修改（" + when.toLocaleString("zh-CN") +
      "，在第 " + entry.baseVersion + " 版上输入）。";
    if (entry.baseVersion !== state.version) {
      message += "服务器上的报告此后已更新为第 " + state.version + " 版；恢复后，您的这些修改将覆盖相应单元格。";
    }
    restoreAlert.querySelector("[data-slot=message]").textContent = message;
    show(restoreAlert, true);
    restoreAlert.querySelector("[data-action=restore]").addEventListener("click", function () {
      applyLocal(entry);
      show(restoreAlert, false);
      setStatus("已恢复本机保存的修改，正在保存…", "dirty");
      save("restore");
    });
    restoreAlert.querySelector("[data-action=discard]").addEventListener("click", function () {
      window.localStorage.removeItem(storageKey);
      show(restoreAlert, false);
    });
  }

  function cssEscape(value) {
    return window.CSS && window.CSS.escape ? window.CSS.escape(value) : value.replace(/["\\]/g, "\\$&");
  }

  // ── Marking the cells and texts, and the summary ────────────────────────────────────

  var marked = [];

  function clearMarks() {
    marked.forEach(function (node) {
      node.classList.remove("is-invalid", "is-blank", "is-warning", "is-related");
      node.removeAttribute("aria-invalid");
      delete node.dataset.rules;
      var message = document.getElementById("msg-" + node.id);
      if (message) {
        message.textContent = "";
      }
    });
    marked = [];
  }

  /* Whether ``code`` is where the violation's result sits: an equation marks its result
     (say （七）总计) strongly and the cells that add up to it lightly, not a whole column. */
  function isResult(violation, code) {
    var result = violation.result || [];
    return !result.length || result.indexOf(code) !== -1;
  }

  function markNode(node, violation, code) {
    if (!node) {
      return;
    }
    var error = violation.level === "error";
    if (error && code && !isResult(violation, code)) {
      if (!node.classList.contains("is-invalid")) {
        node.classList.add("is-related");
      }
    } else if (error) {
      node.classList.remove("is-related");
      node.classList.add(violation.rule === "CELL-REQUIRED" ? "is-blank" : "is-invalid");
      node.setAttribute("aria-invalid", "true");
    } else {
      node.classList.add("is-warning");
    }
    node.dataset.rules = ((node.dataset.rules || "") + " " + violation.rule).trim();
    var message = document.getElementById("msg-" + node.id);
    if (message) {
      var line = el("span", error ? "msg-error" : "msg-warning", violation.message);
      line.dataset.rule = violation.rule;
      message.appendChild(line);
    }
    if (marked.indexOf(node) === -1) {
      marked.push(node);
    }
  }

  function targetOf(violation) {
    if (violation.text) {
      return textId(violation.text);
    }
    if (violation.result && violation.result.length) {
      return cellId(violation.result[0]);
    }
    if (violation.cells && violation.cells.length) {
      return cellId(violation.cells[0]);
    }
    return "check-summary";
  }

  /* Each table's messages listed under it, so they are read next to the table, not only in
     the popup of a focused cell. A message goes under the table of its result cell. */
  function renderTableMessages(violations) {
    var boxes = {};
    Array.prototype.forEach.call(document.querySelectorAll(".table-msgs"), function (box) {
      box.textContent = "";
      boxes[box.dataset.table] = { box: box, list: null, count: 0 };
    });
    violations.forEach(function (violation) {
      if (violation.text || !violation.cells || !violation.cells.length) {
        return; // a text's messages stand under the text
      }
      var code = (violation.result && violation.result.length ? violation.result : violation.cells)[0];
      var entry = boxes[code.split(".")[0]];
      if (!entry) {
        return;
      }
      if (!entry.list) {
        entry.list = el("ul", "table-msgs-list");
      }
      var item = el("li", violation.level === "error" ? "msg-error" : "msg-warning");
      item.dataset.rule = violation.rule;
      item.appendChild(link(violation));
      entry.list.appendChild(item);
      entry.count += 1;
    });
    Object.keys(boxes).forEach(function (table) {
      var entry = boxes[table];
      if (entry.list) {
        entry.box.appendChild(el("p", "table-msgs-title", "本表的检查结果（" + entry.count + " 条）："));
        entry.box.appendChild(entry.list);
      }
      show(entry.box, entry.count > 0);
    });
  }

  function link(violation) {
    var anchor = el("a", null, violation.message);
    anchor.href = "#" + targetOf(violation);
    return anchor;
  }

  function renderErrors(errors) {
    errorsBox.textContent = "";
    if (!errors.length) {
      var empty = el("p", "small text-success mb-2", "没有错误。");
      empty.dataset.empty = "errors";
      errorsBox.appendChild(empty);
      return;
    }
    var groups = [];
    var byRule = {};
    errors.forEach(function (violation) {
      if (!byRule[violation.rule]) {
        byRule[violation.rule] = { rule: violation.rule, title: violation.title, items: [] };
        groups.push(byRule[violation.rule]);
      }
      byRule[violation.rule].items.push(violation);
    });
    groups.forEach(function (group) {
      var details = el("details", "check-group");
      details.dataset.rule = group.rule;
      details.open = group.items.length <= 8;
      var summary = el("summary", null, group.title + " ");
      summary.appendChild(el("span", "rule-id", group.rule));
      summary.appendChild(document.createTextNode("（" + group.items.length + "）"));
      details.appendChild(summary);
      var list = el("ul", "check-list");
      group.items.forEach(function (violation) {
        var item = el("li");
        item.dataset.key = violation.key;
        item.dataset.rule = violation.rule;
        item.appendChild(link(violation));
        list.appendChild(item);
      });
      details.appendChild(list);
      errorsBox.appendChild(details);
    });
  }

  var explanationCounter = 0;

  function warningItem(violation) {
    var item = el("li", "warning-item");
    item.dataset.key = violation.key;
    item.dataset.rule = violation.rule;
    explanationCounter += 1;
    var anchor = link(violation);
    anchor.id = "warning-j" + explanationCounter;
    item.appendChild(anchor);
    item.appendChild(document.createTextNode(" "));
    item.appendChild(el("span", "rule-id", violation.rule));
    var id = "explain-j" + explanationCounter;
    var label = el("label", "form-label small d-block mb-0 mt-1", "说明（为什么会这样）");
    label.htmlFor = id;
    var area = el("textarea", "form-control form-control-sm explanation");
    area.id = id;
    area.name = "explain:" + violation.key;
    area.setAttribute("form", "report-form");
    area.dataset.key = violation.key;
    area.setAttribute("aria-describedby", anchor.id);
    area.rows = 2;
    area.maxLength = 2000;
    area.value = state.explanations[violation.key] || "";
    item.appendChild(label);
    item.appendChild(area);
    return item;
  }

  function renderWarnings(warnings) {
    // Keyed by violation key, reusing the items that stay, so a textarea being typed in
    // keeps its focus and text while the list around it changes.
    var existing = {};
    Array.prototype.forEach.call(warningsList.children, function (item) {
      existing[item.dataset.key] = item;
    });
    var keep = {};
    var cursor = warningsList.firstElementChild;
    warnings.forEach(function (violation) {
      var item = existing[violation.key];
      if (item) {
        item.querySelector("a").textContent = violation.message;
        item.querySelector("a").href = "#" + targetOf(violation);
      } else {
        item = warningItem(violation);
      }
      keep[violation.key] = true;
      if (item === cursor) {
        cursor = cursor.nextElementSibling;
      } else {
        warningsList.insertBefore(item, cursor);
      }
    });
    Object.keys(existing).forEach(function (key) {
      if (!keep[key]) {
        existing[key].remove();
      }
    });
    show(noWarnings, warnings.length === 0);
  }

  function unexplained(result) {
    return result.warnings.filter(function (violation) {
      return !(state.explanations[violation.key] || "").trim();
    }).length;
  }

  function updateSubmitState() {
    var result = state.lastResult;
    if (!submitButton || !result) {
      return;
    }
    var missing = unexplained(result);
    // Open review comments block resubmission on the server (review.workflow.open_comments);
    // their number comes with the page, which reloads when one is resolved.
    var openComments = Number(submitButton.dataset.openComments || 0);
    var blocked = result.errors.length > 0 || missing > 0 || openComments > 0;
    submitButton.setAttribute("aria-disabled", blocked ? "true" : "false");
    submitButton.classList.toggle("disabled-look", blocked);
    if (blocked) {
      var parts = [];
      if (result.errors.length) {
        parts.push("还有 " + result.errors.length + " 个错误需要改正");
      }
      if (missing) {
        parts.push(missing + " 个警告尚未填写说明");
      }
      if (openComments) {
        parts.push("还有 " + openComments + " 条审核批注未解决（逐条答复并标为已解决）");
      }
      submitHint.textContent =
        "暂不能提交：" + parts.join("，") + (result.errors.length || missing ? "（见“检查结果”）" : "") + "。";
    } else {
      submitHint.textContent = result.warnings.length
        ? "没有错误，警告均已说明，可以提交。"
        : "没有错误和警告，可以提交。";
    }
  }

  function applyResult(result) {
    state.lastResult = result;
    clearMarks();
    result.errors.concat(result.warnings).forEach(function (violation) {
      (violation.cells || []).forEach(function (code) {
        markNode(byCode(code), violation, code);
      });
      if (violation.text) {
        markNode(byText(violation.text), violation);
      }
    });
    renderErrors(result.errors);
    renderWarnings(result.warnings);
    renderTableMessages(result.errors.concat(result.warnings));
    placePopup();
    countErrors.textContent = String(result.errors.length);
    countWarnings.textContent = String(result.warnings.length);
    updateSubmitState();
  }

  // ── Talking to the server ───────────────────────────────────────────────────────────

  function post(url, body, options) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
      body: JSON.stringify(body),
      signal: options && options.signal,
    }).then(function (response) {
      return response
        .json()
        .catch(function () {
          return {};
        })
        .then(function (data) {
          return { status: response.status, ok: response.ok, data: data };
        });
    });
  }

  function handleRefusal(answer) {
    var data = answer.data || {};
    if (answer.status === 403 && data.error === "login") {
      state.frozen = true;
      showEditorAlert(data.message);
      var login = el("a", "alert-link ms-1", "在新窗口中登录");
      login.href = data.login_url + "?next=" + encodeURIComponent(window.location.pathname);
      login.target = "_blank";
      login.rel = "noopener";
      editorAlert.appendChild(login);
      editorAlert.appendChild(document.createTextNode("，登录后回到本页会自动继续保存。"));
      setStatus("未保存：登录已过期（修改已暂存在本机）", "error");
      return true;
    }
    if (answer.status === 403 || answer.status === 404) {
      state.frozen = true;
      showEditorAlert((data.message || "无法修改此报告。") + " 请刷新页面。");
      setStatus("未保存：" + (data.message || "无法修改此报告"), "error");
      return true;
    }
    return false;
  }

  function scheduleCheck(delay) {
    window.clearTimeout(state.checkTimer);
    state.checkTimer = window.setTimeout(runCheck, delay === undefined ? CHECK_DELAY : delay);
  }

  function runCheck() {
    if (state.checkController) {
      state.checkController.abort();
    }
    var controller = window.AbortController ? new AbortController() : null;
    state.checkController = controller;
    var sequence = ++state.checkSequence;
    show(checkBusy, true);
    post(config.checkUrl, { cells: screenCells(), texts: screenTexts() }, { signal: controller && controller.signal })
      .then(function (answer) {
        if (sequence !== state.checkSequence) {
          return;
        }
        show(checkBusy, false);
        if (answer.ok) {
          applyResult(answer.data);
          form.dataset.checked = String(sequence);
        } else if (!handleRefusal(answer) && answer.data && answer.data.message) {
          showEditorAlert(answer.data.message);
        }
      })
      .catch(function (error) {
        if (error && error.name === "AbortError") {
          return;
        }
        if (sequence === state.checkSequence) {
          show(checkBusy, false);
        }
      });
  }

  function markUnsaved() {
    if (!state.conflict && !state.frozen) {
      setStatus("有未保存的修改", "dirty");
    }
  }

  function afterSaved(sent, data) {
    state.version = data.version;
    versionInput.value = String(data.version);
    if (versionDisplay) {
      versionDisplay.textContent = String(data.version);
    }
    // Only what is still as it was sent is clean; anything typed meanwhile stays dirty.
    Object.keys(sent.cells).forEach(function (code) {
      if (byCode(code).value === sent.cells[code]) {
        state.dirty.cells.delete(code);
      }
    });
    Object.keys(sent.texts).forEach(function (key) {
      if (byText(key).value === sent.texts[key]) {
        state.dirty.texts.delete(key);
      }
    });
    Object.keys(sent.explanations).forEach(function (key) {
      if ((state.explanations[key] || "") === sent.explanations[key]) {
        state.dirty.explanations.delete(key);
      }
    });
    var prefilled = new Set(data.prefilled || []);
    cellInputs.forEach(function (input) {
      if (input.classList.contains("is-prefilled") && !prefilled.has(input.dataset.code)) {
        input.classList.remove("is-prefilled");
        input.removeAttribute("title");
        var badge = document.getElementById("prefill-" + input.id);
        if (badge) {
          badge.remove();
        }
        input.setAttribute("aria-describedby", "msg-" + input.id);
      }
    });
    persistLocal();
    if (hasDirty()) {
      setStatus("有未保存的修改", "dirty");
    } else {
      var time = new Date(data.saved_at).toLocaleTimeString("zh-CN");
      setStatus("所有修改已保存（第 " + data.version + " 版，" + time + "）", "saved");
    }
  }

  function showConflict(data) {
    state.conflict = data;
    conflictAlert.querySelector("[data-slot=message]").textContent = data.message;
    show(conflictAlert, true);
    setStatus("未保存：" + (data.changed_by || "其他人") + " 已修改此报告", "error");
    conflictAlert.setAttribute("tabindex", "-1");
    conflictAlert.focus();
  }

  /* Save the dirty fields. Resolves true when nothing is left unsaved. */
  function save(reason) {
    if (state.conflict || state.frozen) {
      return Promise.resolve(false);
    }
    if (state.saving) {
      return state.saving.then(function () {
        return hasDirty() ? save(reason) : true;
      });
    }
    if (!hasDirty()) {
      return Promise.resolve(true);
    }
    var sent = dirtyValues();
    var body = { version: state.version, cells: sent.cells, texts: sent.texts, explanations: sent.explanations };
    setStatus("正在保存…", "saving");
    state.saving = post(config.saveUrl, body)
      .then(function (answer) {
        if (answer.ok) {
          afterSaved(sent, answer.data);
          return !hasDirty();
        }
        if (answer.status === 409) {
          showConflict(answer.data);
          return false;
        }
        if (!handleRefusal(answer)) {
          setStatus("未保存：" + ((answer.data && answer.data.message) || "服务器错误，稍后自动重试"), "error");
        }
        return false;
      })
      .catch(function () {
        setStatus("未能连接服务器：修改已暂存在本机浏览器，稍后自动重试", "offline");
        return false;
      })
      .then(function (result) {
        state.saving = null;
        return result;
      });
    return state.saving;
  }

  // ── Input: typing, keys, paste ──────────────────────────────────────────────────────

  function changed(node) {
    if (node.classList.contains("cell-input")) {
      state.dirty.cells.add(node.dataset.code);
      scheduleCheck();
    } else if (node.classList.contains("report-text")) {
      state.dirty.texts.add(node.dataset.text);
      scheduleCheck();
    } else if (node.classList.contains("explanation")) {
      state.explanations[node.dataset.key] = node.value;
      state.dirty.explanations.add(node.dataset.key);
      updateSubmitState();
    } else {
      return;
    }
    persistLocal();
    markUnsaved();
  }

  form.addEventListener("input", function (event) {
    changed(event.target);
  });
  // The explanations sit in the summary, outside the form element (form="report-form").
  warningsList.addEventListener("input", function (event) {
    changed(event.target);
  });

  var grid = [];
  cellInputs.forEach(function (input) {
    var r = Number(input.dataset.r);
    var c = Number(input.dataset.c);
    grid[r] = grid[r] || [];
    grid[r][c] = input;
  });

  function moveTo(input, dr, dc) {
    var r = Number(input.dataset.r) + dr;
    var c = Number(input.dataset.c) + dc;
    if (!grid[r]) {
      return;
    }
    var row = grid[r];
    var target = dr !== 0 ? row[Math.min(c, row.length - 1)] : row[c];
    if (target) {
      target.focus();
      target.select();
    }
  }

  form.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.classList || !input.classList.contains("cell-input") || event.isComposing || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    var atStart = input.selectionStart === 0 && input.selectionEnd === 0;
    var atEnd = input.selectionStart === input.value.length && input.selectionEnd === input.value.length;
    var move = null;
    if (event.key === "Enter") {
      move = event.shiftKey ? [-1, 0] : [1, 0];
    } else if (event.key === "ArrowDown") {
      move = [1, 0];
    } else if (event.key === "ArrowUp") {
      move = [-1, 0];
    } else if (event.key === "ArrowLeft" && (atStart || input.value === "")) {
      move = [0, -1];
    } else if (event.key === "ArrowRight" && (atEnd || input.value === "")) {
      move = [0, 1];
    }
    if (move) {
      event.preventDefault();
      moveTo(input, move[0], move[1]);
    }
  });

  form.addEventListener("paste", function (event) {
    var input = event.target;
    if (!input.classList || !input.classList.contains("cell-input")) {
      return;
    }
    var text = (event.clipboardData || window.clipboardData).getData("text/plain") || "";
    var body = text.replace(/\r\n?/g, "\n").replace(/\n+$/, "");
    if (body.indexOf("\t") === -1 && body.indexOf("\n") === -1) {
      return; // one value: the browser pastes it as usual
    }
    event.preventDefault();
    var r0 = Number(input.dataset.r);
    var c0 = Number(input.dataset.c);
    var filled = 0;
    var outside = 0;
    body.split("\n").forEach(function (line, i) {
      var row = grid[r0 + i];
      line.split("\t").forEach(function (value, j) {
        var target = row && row[c0 + j];
        if (!target) {
          outside += 1;
          return;
        }
        target.value = value.trim();
        state.dirty.cells.add(target.dataset.code);
        filled += 1;
      });
    });
    persistLocal();
    markUnsaved();
    scheduleCheck(0);
    setStatus(
      "已粘贴 " + filled + " 个单元格" + (outside ? "（" + outside + " 个超出表格范围，未粘贴）" : "") + "，有未保存的修改",
      "dirty"
    );
  });

  /* A cell reached by Tab, Enter or an arrow is brought fully into view: out of its table's
     scroll box, or under the sticky part links or save bar, it goes to the middle. */
  function keepInView(input) {
    var rect = input.getBoundingClientRect();
    var nav = document.querySelector(".part-nav");
    var bar = document.querySelector(".form-actions");
    var top = nav && window.getComputedStyle(nav).position === "sticky" ? nav.getBoundingClientRect().bottom : 0;
    var bottom = Math.min(window.innerHeight, bar ? bar.getBoundingClientRect().top : window.innerHeight);
    var wrap = input.closest(".report-table-wrap");
    var box = wrap ? wrap.getBoundingClientRect() : null;
    var hidden = rect.top < top || rect.bottom > bottom || (box && (rect.left < box.left || rect.right > box.right));
    if (hidden) {
      input.scrollIntoView({ block: "center", inline: "nearest", behavior: "instant" });
    }
    // On a narrow screen the row labels stay at the left (sticky) over the scrolled cells.
    var labels = input.closest("tr").querySelectorAll("th.row-label");
    var leaf = labels.length ? labels[labels.length - 1] : null;
    if (wrap && leaf && window.getComputedStyle(leaf).position === "sticky") {
      var covered = leaf.getBoundingClientRect().right - input.getBoundingClientRect().left;
      if (covered > 0) {
        wrap.scrollLeft -= covered + 4;
      }
    }
  }

  cellInputs.forEach(function (input) {
    input.addEventListener("focus", function () {
      input.select();
      keepInView(input);
    });
  });

  // ── The focused (or pointed at) cell's messages, in a popup ────────────────────────
  // Placed against the viewport (position: fixed), so that the table's scroll box does not
  // clip it on the last row or the last columns; above the cell when there is no room below.

  var popupCell = null;

  function placePopup() {
    if (!popupCell) {
      return;
    }
    var box = document.getElementById("msg-" + popupCell.id);
    if (!box || !box.textContent) {
      return;
    }
    var rect = popupCell.getBoundingClientRect();
    var width = Math.min(288, window.innerWidth - 16);
    box.style.width = width + "px";
    box.style.left = Math.max(8, Math.min(rect.left, window.innerWidth - width - 8)) + "px";
    var height = box.offsetHeight;
    var bar = document.querySelector(".form-actions");
    var limit = bar ? bar.getBoundingClientRect().top : window.innerHeight;
    var above = rect.top - height - 4;
    box.style.top = (rect.bottom + 4 + height > limit && above > 0 ? above : rect.bottom + 4) + "px";
  }

  function closePopup() {
    if (popupCell) {
      popupCell.parentNode.classList.remove("show-msg");
      popupCell = null;
    }
  }

  function openPopup(input) {
    closePopup();
    popupCell = input;
    input.parentNode.classList.add("show-msg");
    placePopup();
  }

  function isCell(node) {
    return node && node.classList && node.classList.contains("cell-input");
  }

  form.addEventListener("focusin", function (event) {
    if (isCell(event.target)) {
      openPopup(event.target);
    }
  });
  form.addEventListener("focusout", closePopup);
  form.addEventListener("mouseover", function (event) {
    if (isCell(event.target) && event.target !== popupCell) {
      openPopup(event.target);
    }
  });
  form.addEventListener("mouseout", function (event) {
    if (isCell(event.target)) {
      if (isCell(document.activeElement)) {
        openPopup(document.activeElement);
      } else {
        closePopup();
      }
    }
  });
  window.addEventListener("scroll", placePopup, true);
  window.addEventListener("resize", placePopup);

  form.addEventListener("focusout", function () {
    window.clearTimeout(state.blurTimer);
    state.blurTimer = window.setTimeout(function () {
      if (hasDirty()) {
        save("blur");
      }
    }, BLUR_SAVE_DELAY);
  });
  warningsList.addEventListener("focusout", function () {
    if (hasDirty()) {
      save("blur");
    }
  });

  window.setInterval(function () {
    if (hasDirty() && !state.saving) {
      save("auto");
    }
  }, AUTOSAVE_EVERY);

  // Switching to another tab or window saves at once. Leaving the page does not: a save
  // still in flight when the next page renders would make that page stale against the
  // clerk's own input. The unsaved input is in localStorage, and the next page offers it.
  var unloading = false;
  window.addEventListener("pagehide", function () {
    unloading = true;
    persistLocal();
  });
  window.addEventListener("pageshow", function () {
    unloading = false;
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && !unloading && hasDirty()) {
      save("hidden");
    }
  });

  window.addEventListener("beforeunload", function (event) {
    if (hasDirty() && !state.submitting) {
      persistLocal();
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // ── Buttons ─────────────────────────────────────────────────────────────────────────

  form.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    if (submitter === submitButton && state.submitting) {
      return; // the native submission after a successful save
    }
    event.preventDefault();
    if (submitter === submitButton) {
      submitReport();
    } else {
      save("explicit").then(function (clean) {
        if (clean) {
          setStatus("草稿已保存（第 " + state.version + " 版）", "saved");
        }
      });
    }
  });

  function submitReport() {
    var result = state.lastResult;
    if (submitButton.getAttribute("aria-disabled") === "true") {
      updateSubmitState();
      var result0 = state.lastResult;
      var onlyComments = result0 && result0.errors.length === 0 && unexplained(result0) === 0;
      var notice = document.getElementById("returned-notice");
      (onlyComments && notice ? notice : document.getElementById("check-summary")).focus();
      return;
    }
    save("submit").then(function (clean) {
      if (!clean) {
        submitHint.textContent = "未能保存，报告未提交。请处理页面上方的提示后再提交。";
        return;
      }
      var message = "提交后本机关不能再修改本报告，确定提交审核吗？";
      if (result && result.warnings.length) {
        message = "本报告有 " + result.warnings.length + " 个警告，均已填写说明。" + message;
      }
      if (!window.confirm(message)) {
        return;
      }
      state.submitting = true;
      versionInput.value = String(state.version);
      var tokenInput = form.querySelector("input[name=csrfmiddlewaretoken]");
      if (tokenInput) {
        tokenInput.value = csrfToken();
      }
      try {
        window.localStorage.removeItem(storageKey);
      } catch (error) {
        // ignore
      }
      // Not from inside the click's own submit event (a resolved promise runs its callback
      // before that event ends, and a form refuses a second submission while it fires).
      window.setTimeout(function () {
        form.requestSubmit(submitButton);
      }, 0);
    });
  }

  conflictAlert.querySelector("[data-action=reload-reapply]").addEventListener("click", function () {
    persistLocal();
    try {
      window.sessionStorage.setItem(restoreFlagKey, "1");
    } catch (error) {
      // Without sessionStorage the page offers the restore instead of doing it.
    }
    state.submitting = true; // leaving on purpose: no "unsaved changes" prompt
    window.location.reload();
  });

  // A link in the summary or under a table takes the clerk into the cell or text itself.
  function followLink(event) {
    var anchor = event.target.closest ? event.target.closest("a[href^='#']") : null;
    if (!anchor) {
      return;
    }
    var target = document.getElementById(anchor.getAttribute("href").slice(1));
    if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA")) {
      event.preventDefault();
      target.scrollIntoView({ block: "center", inline: "nearest" });
      target.focus({ preventScroll: true });
    }
  }
  document.getElementById("check-summary").addEventListener("click", followLink);
  form.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest(".table-msgs")) {
      followLink(event);
    }
  });

  // ── Start ───────────────────────────────────────────────────────────────────────────

  applyResult(config.initial);
  offerRestore();
  form.dataset.ready = "true";
})();
