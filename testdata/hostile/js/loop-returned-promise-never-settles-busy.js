// attacks: returns a promise whose settlement needs an endless chain of jobs
// ### limit "steps"|"timeout"|"cpu"
async function spin() { for (;;) await 0; }
return spin();
