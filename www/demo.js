// The demo customer page: the Evolvy snippet (as a site owner pastes it) and a tiny SPA router.
// A test or a devtools user may set window.evolvySettings before this runs; theirs wins.
window.evolvySettings = Object.assign({
  locale: new URLSearchParams(location.search).get("locale") || undefined,
  position: "right",
  launcherTitle: "Fale com a gente",
  webhooks: [
    {
      url: location.origin + "/webhooks/receive",
      events: ["webwidget_triggered", "conversation_created", "message_created", "message_updated"],
    },
  ],
}, window.evolvySettings);
(function (d, t) {
  var BASE_URL = location.origin;
  var g = d.createElement(t), s = d.getElementsByTagName(t)[0];
  g.src = BASE_URL + "/pkg/sdk.min.js";
  g.async = true;
  s.parentNode.insertBefore(g, s);
  g.onload = function () {
    window.evolvySDK.run({ websiteToken: "demo-website-token", baseUrl: BASE_URL });
  };
})(document, "script");

document.addEventListener("click", function (e) {
  var a = e.target.closest && e.target.closest("a[data-spa]");
  if (!a) return;
  e.preventDefault();
  history.pushState({}, "", a.getAttribute("href"));
  document.getElementById("route").textContent = "Route: " + location.pathname + location.search + location.hash;
});
