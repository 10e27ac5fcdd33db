// attacks: reads the host's time zone through Date (the subprocess runs with
//   TZ=Pacific/Chatham; scripts must see UTC)
// ### ok [0,0,"1970-01-01T00:00:00.000Z"]
const d = new Date(0);
return [d.getHours(), d.getTimezoneOffset(), d.toISOString()];
