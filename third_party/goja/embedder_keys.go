package goja

// EachOwnKey calls f with the names of o's own enumerable string-keyed
// properties, in property order, until f returns false. Unlike Keys it
// builds no slice, so a caller may stop early on an object with millions of
// properties, and it runs no script code: a Proxy has no keys here and its
// ownKeys trap is not called.
func (o *Object) EachOwnKey(f func(name string) bool) {
	if _, isProxy := o.self.(*proxyObject); isProxy {
		return
	}
	iter := &enumerableIter{o: o, wrapped: o.self.iterateStringKeys()}
	for item, next := iter.next(); next != nil; item, next = next() {
		if !f(item.name.String()) {
			return
		}
	}
}
