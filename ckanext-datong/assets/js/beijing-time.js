/* The portal writes every time in Beijing time on the server (2026年12月3日 11:21). CKAN's
 * main.js would rewrite each `.automatic-local-datetime` into the browser's time zone with
 * an English-shaped "(UTC+00:00)" suffix when the page is ready: take the class away first.
 * Loaded after main.js, so this wrapper runs before CKAN's own ready handler calls it. */
(function (ckan, jQuery) {
  var initialize = ckan.initialize;
  ckan.initialize = function () {
    jQuery('.automatic-local-datetime').removeClass('automatic-local-datetime');
    return initialize.apply(this, arguments);
  };
})(this.ckan, this.jQuery);
