package goja

import (
	"strings"
	"testing"
)

func TestCodeGenerationRefused(t *testing.T) {
	for _, src := range []string{
		`eval("1")`,
		`eval(1)`,
		`eval()`,
		`(0, eval)("1")`,
		`globalThis.eval("1")`,
		`(function() { "use strict"; return eval("1") })()`,
		`Function("return 1")`,
		`new Function("return 1")`,
		`Function()`,
		`Function(arg)`,
		`new Function("a", arg)`,
		`Object.getPrototypeOf(async function(){}).constructor(arg, arg)`,
		`(function(){}).constructor("return 1")`,
		`(() => {}).constructor("return 1")`,
		`Reflect.construct(Function, ["return 1"])`,
		`Reflect.apply(Function, null, ["return 1"])`,
		`Object.getPrototypeOf(async function(){}).constructor("return 1")`,
		`new (Object.getPrototypeOf(async function(){}).constructor)("return 1")`,
		`Object.getPrototypeOf(function*(){}).constructor("yield 1")`,
		`Object.getPrototypeOf(Object.getPrototypeOf(function*(){})).constructor("return 1")`,
		`new Proxy(Function, {}).call(null, "return 1")`,
		`Function.prototype.call.call(Function, null, "return 1")`,
		`Function.bind(null, "return 1")()`,
		`[].constructor.constructor("return 1")`,
	} {
		vm := New()
		vm.AllowCodeGenerationFromStrings(false)
		// The arguments are not looked at: no conversion runs.
		if _, err := vm.RunString(`var converted = false; var arg = {toString() { converted = true; return "1" }};`); err != nil {
			t.Fatal(err)
		}
		_, err := vm.RunString(src)
		ex, ok := err.(*Exception)
		if !ok || !strings.Contains(ex.Error(), "TypeError: code generation from strings is not allowed") {
			t.Errorf("%s: got %v, want the code generation TypeError", src, err)
		}
		if vm.Get("converted") != valueFalse {
			t.Errorf("%s: converted an argument", src)
		}
		// A caught refusal is an ordinary TypeError.
		v, err := vm.RunString(`try { ` + src + ` ; "ran" } catch (e) { e instanceof TypeError }`)
		if err != nil || v != valueTrue {
			t.Errorf("%s: caught: got %v, %v, want true", src, v, err)
		}
	}
}

func TestCodeGenerationRefusedLooksUntouched(t *testing.T) {
	vm := New()
	vm.AllowCodeGenerationFromStrings(false)
	// The functions keep their identity and shape; naming them works.
	v, err := vm.RunString(`
		var AsyncFunction = Object.getPrototypeOf(async function(){}).constructor;
		var GeneratorFunction = Object.getPrototypeOf(function*(){}).constructor;
		[
			typeof eval, eval.name, eval.length, eval.hasOwnProperty("prototype"),
			Function.name, Function.length, Function.prototype === Object.getPrototypeOf(function(){}),
			(function(){}).constructor === Function,
			AsyncFunction.name, GeneratorFunction.name,
			typeof Function.prototype.call.bind(Function.prototype.toString),
			Function.prototype.toString.call(Function).indexOf("[native code]") >= 0,
			eval === globalThis.eval,
		].join()`)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := v.String(), "function,eval,1,false,Function,1,true,true,AsyncFunction,GeneratorFunction,function,true,true"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	// Go calls still compile.
	if v, err := vm.RunString("1 + 1"); err != nil || v.ToInteger() != 2 {
		t.Errorf("RunString: got %v, %v", v, err)
	}
	// Allowed again, eval works.
	vm.AllowCodeGenerationFromStrings(true)
	if v, err := vm.RunString(`eval("1 + 1") + Function("return 1")()`); err != nil || v.ToInteger() != 3 {
		t.Errorf("allowed: got %v, %v", v, err)
	}
}
