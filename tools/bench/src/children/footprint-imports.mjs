// Bench child (plain JavaScript, run on the built packages, as the server runs):
//   footprint-imports.mjs <specifier…>
// Imports the modules in order, prints "ready", then idles until it is killed: the footprint bench
// reads its RSS to tell how much of the server's memory each layer of modules accounts for.
for (const specifier of process.argv.slice(2)) await import(specifier);
process.stdout.write("ready\n");
setInterval(() => {}, 1 << 30);
