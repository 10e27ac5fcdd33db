// attacks: dynamic import()
// ### runtime | compile
return await import("data:text/javascript,export default 1");
