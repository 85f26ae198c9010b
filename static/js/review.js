// The reviewer's sign-off page (templates/review/report.html). Progressive: everything works
// without this script (the comment form has a select of every place); it adds
//  * click a cell, "批注此表" or "批注此部分" to choose where the comment goes;
//  * a confirmation before signing, returning or reopening (buttons with data-confirm).
(function () {
  "use strict";
  var page = document.getElementById("review-page");
  if (!page) {
    return;
  }

  var anchorSelect = document.getElementById("comment-anchor");
  var commentBody = document.getElementById("comment-body");
  var marked = null;

  function chooseAnchor(anchor, element) {
    if (!anchorSelect || !anchorSelect.querySelector('option[value="' + anchor + '"]')) {
      return;
    }
    anchorSelect.value = anchor;
    if (marked) {
      marked.classList.remove("is-comment-target");
    }
    marked = element;
    if (marked) {
      marked.classList.add("is-comment-target");
    }
    if (commentBody) {
      commentBody.focus();
    }
  }

  if (anchorSelect) {
    page.addEventListener("click", function (event) {
      var target = event.target.closest(".cell-value[data-code], .comment-target[data-anchor]");
      if (!target) {
        return;
      }
      if (target.classList.contains("cell-value")) {
        chooseAnchor("cell:" + target.dataset.code, target);
      } else {
        var anchor = target.dataset.anchor;
        var kind = anchor.split(":")[0];
        var code = anchor.slice(kind.length + 1);
        var element = kind === "table" ? document.getElementById("table-" + code) : document.getElementById("text-" + code);
        chooseAnchor(anchor, element);
      }
    });
    page.querySelectorAll(".cell-value[data-code]").forEach(function (cell) {
      cell.classList.add("is-commentable");
      cell.setAttribute("title", "点击以批注此单元格");
    });
  }

  page.addEventListener("submit", function (event) {
    var button = event.submitter;
    var question = button && button.dataset.confirm;
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
})();
