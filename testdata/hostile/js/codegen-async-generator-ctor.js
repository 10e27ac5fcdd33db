// attacks: the AsyncGeneratorFunction constructor (not in the lockdown list)
// ### runtime | compile
return (await (async function* () {}).constructor("yield 1")().next()).value;
