package gojacheck

import (
	"testing"

	upstream "github.com/dop251/goja"
	patched "github.com/scriptrun/scriptrun/third_party/goja"
)

// Ordinary scripts over the built-ins the patches touch: string building,
// arrays, argument lists, typed arrays, regexps (both engines), JSON,
// proxies, bound functions, conversions, and parsing.
var ordinary = []string{
	`'ab'.repeat(3) + 'x'.padStart(5, '-') + 'y'.padEnd(3, '=') + ''.concat('a', 1, null)`,
	`var s = ''; for (var i = 0; i < 1000; i++) s += i; s.length`,
	"var a = 1, b = 'two'; `${a} and ${b} and ${[1, 2]}`",
	`[1, [2, [3, [4]]], 'x'].join('|') + String([1, [2, 3]]) + [1, 2].toLocaleString()`,
	`'a-b-c'.replace(/-/g, '+') + 'a-b-c'.replaceAll('-', '$&$&') + 'abc'.replace('b', (m) => m.toUpperCase())`,
	`'x1y22z333'.split(/\d+/).join(',') + JSON.stringify('aXbXc'.split('X', 2))`,
	`JSON.stringify(/(?<=a)b/.exec('ab')) + /(\w)\1/.test('xx') + 'abcabc'.replace(/(b)(?=c)/g, '[$1]')`,
	`JSON.stringify([...'a1b2c3'.matchAll(/[a-z](?=\d)/g)].map(m => m[0] + m.index))`,
	`var re = /a(?!b)/y; re.lastIndex = 2; [re.test('abac'), re.lastIndex].join()`,
	`JSON.stringify('aaa'.match(/a/g)) + 'aBc'.search(/[A-Z]/) + /^\p{Lu}/u.test('Éa')`,
	`Array.from({length: 5}, (_, i) => i * i).join()`,
	`Array(5).fill(7).concat([1, 2], 3).join()`,
	`[3, 1, 2].toSorted().join() + [1, 2, 3].toReversed().join() + [1, 2, 3].with(1, 9).join() + [1, 2, 3].toSpliced(1, 1, 'a', 'b').join()`,
	`var a = [1, 2, 3, 4, 5]; a.splice(1, 2, 'x', 'y', 'z'); a.unshift(0); a.slice(2).join() + a.length`,
	`[[1, [2, [3, [4]]]]].flat(Infinity).join() + [1, 2].flatMap(x => [x, x * 2]).join()`,
	`[1, 2, 3].map(x => x * 2).filter(x => x > 2).reduce((a, b) => a + b, 0)`,
	`Math.max.apply(null, [1, 5, 3]) + Reflect.apply(Math.min, null, [4, 2, 8]) + Reflect.construct(Array, [1, 2, 3]).length`,
	`function f() { return arguments.length } f(...[1, 2, 3], ...'ab') + Math.max(...Array(1000).fill(1).map((x, i) => i))`,
	`var [a, ...rest] = [1, 2, 3, 4]; rest.join() + [...new Set([1, 2, 2, 3])].join()`,
	`var b = new ArrayBuffer(16); var v = new DataView(b); v.setFloat64(0, 1.5); new Float64Array(b)[0] + b.slice(8).byteLength`,
	`var u = new Uint8Array([1, 2, 3]); Array.from(new Uint16Array(u)).join() + Uint8Array.from([9, 8]).join() + new Int32Array(4).length`,
	`JSON.stringify({a: [1, {b: 'c'}], d: null, e: 'é\u0001'}) + JSON.stringify([1, 2], null, 2)`,
	`JSON.stringify(JSON.parse('{"a":[1,2,{"b":true}],"c":"\\u00e9"}', (k, v) => typeof v === 'number' ? v + 1 : v))`,
	`JSON.stringify({a: 1, b: 2, c: {a: 3, d: 4}}, ['a', 'c'])`,
	`var p = new Proxy({}, {get: (t, k) => k + '!'}); var q = new Proxy(p, {}); q.hello + p.x`,
	`function add(a, b) { return a + b } var g = add.bind(null, 1).bind(null, 2); g() + g.name + (({}) instanceof Object.bind(null))`,
	`var o = {valueOf() { return 42 }, toString() { return 'o' }}; (o + 1) + String(o) + ` + "`${o}`",
	`var o = {[Symbol.toPrimitive](h) { return h }}; '' + o + (+{valueOf: () => 3})`,
	`class A { constructor(x) { this.x = x } get y() { return this.x * 2 } } class B extends A {} new B(4).y`,
	`var s = 0; for (var i = 0; i < 100; i++) { try { if (i % 7 == 0) throw new Error('e' + i) } catch (e) { s += e.message.length } } s`,
	`var x = ((((((((((1)))))))))) + [[[[[[[[[[2]]]]]]]]]][0][0][0][0][0][0][0][0][0][0]; x`,
	`(a => b => c => a + b + c)(1)(2)(3) + (1 ? 2 ? 3 : 4 : 5) + -(-(-(-1))) + !!!false`,
	`String.fromCharCode(72, 105) + String.fromCodePoint(0x1F600).length + String.raw` + "`a\\n${1}b`",
	`escape('a b') + encodeURIComponent('é/') + decodeURIComponent('%C3%A9') + typeof btoa`,
	`new Date(0).toISOString() + (1234.5678).toFixed(2) + parseInt('ff', 16) + Number('0x10')`,
	`var m = new Map([[1, 'a'], [2, 'b']]); [...m.keys()].join() + m.get(2) + Object.entries({a: 1, b: 2}).join(';')`,
	`try { null.x } catch (e) { e instanceof TypeError } `,
	`try { new Array(-1) } catch (e) { e instanceof RangeError }`,
	`try { 'x'.repeat(-1) } catch (e) { e.constructor.name }`,
	`try { JSON.parse('{bad') } catch (e) { e.name }`,
	`try { new RegExp('(') } catch (e) { e.name }`,
}

func TestPatchedMatchesUpstream(t *testing.T) {
	for _, src := range ordinary {
		up, upErr := runUpstream(src)
		pa, paErr := runPatched(src)
		if up != pa || (upErr == nil) != (paErr == nil) {
			t.Errorf("%s\n upstream: %q %v\n patched:  %q %v", src, up, upErr, pa, paErr)
		}
		if upErr != nil {
			t.Errorf("%s: fails on upstream too: %v", src, upErr)
		}
	}
}

func runUpstream(src string) (string, error) {
	v, err := upstream.New().RunString(src)
	if err != nil {
		return "", err
	}
	return v.String(), nil
}

func runPatched(src string) (string, error) {
	v, err := patched.New().RunString(src)
	if err != nil {
		return "", err
	}
	return v.String(), nil
}
