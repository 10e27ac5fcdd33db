-- attacks: require of a library module
-- ### runtime
return require("os")
