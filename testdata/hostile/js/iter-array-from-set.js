// attacks: Array.from of a Set (an internal error, a Go panic, today)
// ### ok [1,2,3]
return Array.from(new Set([1, 2, 3]));
