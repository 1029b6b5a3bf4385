/* evolvy-widget loader (www/sdk.js, served minified as sdk.min.js).
   Adds one iframe from baseUrl that draws the launcher at once and loads the wasm chat on the first
   interaction or when idle. postMessage goes only to, and is accepted only from, the widget's exact
   origin and window. Styles are set through the CSSOM, which a strict Content-Security-Policy allows.
   API: window.$evolvy (README "Script tag"); calls made before the widget is ready are queued. */
(function (w, d) {
  var S = w.evolvySettings || {}, hs = {}, q = [], calls = {}, n = 0, F, O, T, ready;
  function post(m) { ready ? F.contentWindow.postMessage(m, O) : q.push(m); }
  function call(m, a) {
    return new Promise(function (y, r) { calls[++n] = [y, r]; post({ t: "call", id: n, m: m, a: a }); });
  }
  function nav() { post({ t: "nav", href: location.href }); }
  function size(open) {
    var full = open && matchMedia("(max-width:480px)").matches;
    F.style.cssText = "position:fixed;z-index:99999999;border:0;bottom:0;" +
      (S.position == "left" ? "left:0;" : "right:0;") +
      (full ? "width:100%;height:100%" : open ? "width:500px;height:min(740px,100%)" : "width:96px;height:96px");
  }
  w.addEventListener("message", function (e) {
    var m = e.data || {}, c = calls[m.id], t = m.t;
    if (!F || e.origin !== O || e.source !== F.contentWindow) return;
    if (t == "hello") {
      ready = 1;
      post({ t: "init", settings: S, token: T, href: location.href });
      q.splice(0).forEach(post);
    }
    if (t == "reply" && c) delete calls[m.id], m.e ? c[1](Error(m.e)) : c[0](m.v);
    if (t == "size") size(m.open);
    if (t == "fire") {
      w.dispatchEvent(new CustomEvent("evolvy:" + m.n, { detail: m.v }));
      (hs[m.n] || []).forEach(function (f) { setTimeout(f, 0, m.v); });
    }
  });
  w.evolvySDK = {
    run: function (o) {
      if (F) return;
      var u = String(o.baseUrl).replace(/\/+$/, "");
      O = new URL(u).origin;
      T = o.websiteToken;
      F = d.createElement("iframe");
      F.title = S.launcherTitle || "Chat";
      F.allow = "ch-ua-platform-version;ch-ua-model;ch-ua-full-version-list;ch-ua-arch;ch-ua-bitness";
      F.src = u + "/widget.html#o=" + encodeURIComponent(location.origin);
      size();
      d.body.appendChild(F);
      ["pushState", "replaceState"].forEach(function (k) {
        var f = history[k];
        history[k] = function () { var r = f.apply(this, arguments); nav(); return r; };
      });
      w.addEventListener("popstate", nav);
      w.addEventListener("hashchange", nav);
    }
  };
  var A = w.$evolvy = { on: function (t, f) { (hs[t] = hs[t] || []).push(f); } };
  "toggle setUser setCustomAttributes deleteCustomAttribute setLocale setLabel removeLabel reset debug dryRun context history"
    .split(" ").forEach(function (m) { A[m] = function () { return call(m, [].slice.call(arguments)); }; });
})(window, document);
