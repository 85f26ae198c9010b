/*
 * The publishing panel (templates/reports/_publication_status.html): polls the report's
 * status endpoint while the publish job is queued or rendering, and shows each step
 * (排队中 → 正在生成 → 已发布, or 发布失败 with the error and, for the district office,
 * the retry button) without reloading the page. Stops polling once published or failed.
 */
(function () {
  "use strict";

  var POLL_EVERY = 2000;
  var STEPS = ["queued", "rendering", "published"];

  function field(panel, name) {
    return panel.querySelector('[data-field="' + name + '"]');
  }

  function show(element, visible) {
    if (element) {
      element.hidden = !visible;
    }
  }

  function render(panel, data) {
    panel.setAttribute("data-status", data.status);
    var badge = field(panel, "label");
    badge.textContent = data.label;
    badge.className = "badge publication-badge publication-" + data.status;
    field(panel, "version").textContent = data.version ? "第 " + data.version + " 版" : "";
    field(panel, "attempts").textContent = data.attempts > 1 ? "（第 " + data.attempts + " 次尝试）" : "";
    var error = field(panel, "error");
    error.textContent = data.error || "";
    show(error, Boolean(data.error));
    var link = field(panel, "public-link");
    if (data.public_url) {
      link.setAttribute("href", data.public_url);
    }
    show(field(panel, "public"), Boolean(data.public_url));
    show(field(panel, "stalled"), Boolean(data.stalled));
    show(field(panel, "retry"), Boolean(data.can_retry));
    markSteps(panel, data.status);
  }

  function markSteps(panel, status) {
    // A failure happens while rendering: the queue step is behind it, the rendering step failed.
    var reached = status === "failed" ? STEPS.indexOf("rendering") : STEPS.indexOf(status);
    panel.querySelectorAll(".publication-step").forEach(function (step) {
      var index = STEPS.indexOf(step.getAttribute("data-step"));
      step.classList.toggle("is-done", reached > index || status === "published");
      step.classList.toggle("is-active", index === reached && status !== "published" && status !== "failed");
      step.classList.toggle("is-failed", status === "failed" && step.getAttribute("data-step") === "rendering");
      if (index === reached) {
        step.setAttribute("aria-current", "step");
      } else {
        step.removeAttribute("aria-current");
      }
    });
  }

  function inProgress(status) {
    return status === "queued" || status === "rendering";
  }

  function poll(panel) {
    var url = panel.getAttribute("data-status-url");
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        render(panel, data);
        if (inProgress(data.status)) {
          window.setTimeout(function () { poll(panel); }, POLL_EVERY);
        }
      })
      .catch(function () {
        // The network or the server hiccupped: try again a little later.
        window.setTimeout(function () { poll(panel); }, POLL_EVERY * 3);
      });
  }

  function start() {
    document.querySelectorAll("[data-publication-status]").forEach(function (panel) {
      markSteps(panel, panel.getAttribute("data-status"));
      if (inProgress(panel.getAttribute("data-status"))) {
        window.setTimeout(function () { poll(panel); }, POLL_EVERY);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
