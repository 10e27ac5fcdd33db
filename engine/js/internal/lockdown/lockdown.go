// Package lockdown holds a script that closes code generation from strings
// in a fresh raw goja runtime: the JavaScript model of what the host does
// natively (the patched goja's AllowCodeGenerationFromStrings(false), patch
// third_party/patches/goja/0060). The test262 comparison runs it on raw
// upstream goja to tell a refusal by design from a host fault; a test here
// checks that a script sees the same through both.
package lockdown

// Source is a function expression; call it with the global object.
//
// Function and eval stay functions (code that only names them, such as
// Function.prototype.call.bind, works) but refuse to run: each function
// constructor (Function and the async and generator ones reached through
// their prototypes) is replaced by a stub that throws the code generation
// TypeError when called or constructed, with the original's prototype,
// name, length and property attributes; eval is a stub that throws too (a
// call to it is never a direct eval: goja compiles that only for its own
// eval).
const Source = `(function(g){
	"use strict";
	var refuse = function() { throw new TypeError("code generation from strings is not allowed"); };
	var stub = function(proto, name) {
		var f = function() { refuse(); };
		Object.defineProperty(f, "name", {value: name});
		Object.defineProperty(f, "length", {value: 1});
		Object.defineProperty(f, "prototype", {value: proto, writable: false, enumerable: false, configurable: false});
		var d = Object.getOwnPropertyDescriptor(proto, "constructor");
		Object.defineProperty(proto, "constructor", {value: f, writable: d.writable, configurable: d.configurable, enumerable: d.enumerable});
		return f;
	};
	var fn = stub(Function.prototype, "Function");
	stub(Object.getPrototypeOf(async function(){}), "AsyncFunction");
	stub(Object.getPrototypeOf(function*(){}), "GeneratorFunction");
	var ev = ({eval(x) { refuse(); }}).eval; // like eval: no prototype, not a constructor
	Object.defineProperty(g, "Function", {value: fn, writable: true, configurable: true, enumerable: false});
	Object.defineProperty(g, "eval", {value: ev, writable: true, configurable: true, enumerable: false});
})`
