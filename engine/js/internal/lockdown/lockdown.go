// Package lockdown holds the script that closes code generation from
// strings in a fresh goja runtime. engine/js runs it in every runtime before
// the script; the test262 comparison runs the same source on raw goja, so
// the two cannot drift apart.
package lockdown

// Source is a function expression; call it with the global object. It
// returns [Error, TypeError, Object.getOwnPropertyDescriptor, RangeError]
// as the backend needs them, taken before any script could replace them.
//
// Function and eval stay functions (code that only names them, such as
// Function.prototype.call.bind, works) but refuse to run: each function constructor (Function and the async and generator
// ones reached through their prototypes) is replaced by a stub that throws
// the code generation TypeError when called or constructed, with the
// original's prototype, name and length; eval is a stub that throws too (a
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
		Object.defineProperty(proto, "constructor", {value: f, writable: false, configurable: false, enumerable: false});
		return f;
	};
	var fn = stub(Function.prototype, "Function");
	stub(Object.getPrototypeOf(async function(){}), "AsyncFunction");
	stub(Object.getPrototypeOf(function*(){}), "GeneratorFunction");
	var ev = ({eval(x) { refuse(); }}).eval; // like eval: no prototype, not a constructor
	Object.defineProperty(g, "Function", {value: fn, writable: true, configurable: true, enumerable: false});
	Object.defineProperty(g, "eval", {value: ev, writable: true, configurable: true, enumerable: false});
	return [Error, TypeError, Object.getOwnPropertyDescriptor, RangeError];
})`
