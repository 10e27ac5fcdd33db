// attacks: padStart to 1 GiB
// ### runtime | limit "memory"
return "".padStart(2 ** 30, "ab").length;
