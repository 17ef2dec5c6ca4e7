/* Copy the page address shown in the sharing panel (snippets/social.html): the clipboard API
   where the page is a secure context, else the selected text field; the result is announced
   in the panel's status line. */
ckan.module("datong-copy-link", function ($) {
  return {
    options: { target: null, copied: "", failed: "" },

    initialize: function () {
      $.proxyAll(this, /_on/);
      this.el.on("click", this._onClick);
    },

    _onClick: function (event) {
      event.preventDefault();
      var input = document.getElementById(this.options.target);
      var status = this.el.closest(".datong-share").find(".datong-share-status");
      var done = function () { status.text(this.options.copied); }.bind(this);
      var fail = function () { input.select(); status.text(this.options.failed); }.bind(this);
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, fail);
        return;
      }
      input.select();
      try {
        if (document.execCommand("copy")) { done(); } else { fail(); }
      } catch (error) {
        fail();
      }
    }
  };
});
