// attacks: a promise job that schedules itself forever, started before the
//   script returns
// ### limit "steps"|"timeout"|"cpu" | ok 1
// process: limit "memory"
function again() { return Promise.resolve().then(again); }
again();
return 1;
