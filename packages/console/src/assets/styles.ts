/**
 * The console's one stylesheet, served as `assets/console.css` (no inline style is allowed).
 *
 * @module
 */

/** The stylesheet's source. */
export const CONSOLE_STYLES: string = `*, *::before, *::after { box-sizing: border-box; }
:root { color-scheme: light; --ink: #1b1f24; --muted: #4a5360; --line: #c9d1d9; --accent: #0b5cad;
  --danger: #a4161a; --ok: #1a6e2e; --paper: #ffffff; --wash: #f3f5f7; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--wash); }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, pre:focus-visible {
  outline: 3px solid #f0a202; outline-offset: 2px; }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 1rem; top: 1rem; background: var(--paper); padding: .5rem; z-index: 10; }
.top { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.5rem; padding: .75rem 1rem; background: #14213d; color: #fff; }
.top a { color: #fff; }
.brand { margin: 0; font-weight: 700; }
.top nav ul { display: flex; flex-wrap: wrap; gap: .25rem 1rem; list-style: none; margin: 0; padding: 0; }
.top nav a[aria-current="page"] { font-weight: 700; text-decoration-thickness: 3px; }
.sign-out { margin-left: auto; display: flex; align-items: center; gap: .5rem; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.25rem; margin-top: 1.5rem; }
.card { background: var(--paper); border: 1px solid var(--line); border-radius: 6px; padding: 1rem; margin: 1rem 0; }
.sign-in { max-width: 28rem; }
label { display: block; font-weight: 600; margin: .5rem 0 .25rem; }
input, select, textarea { font: inherit; padding: .4rem .5rem; border: 1px solid #6a737d; border-radius: 4px; max-width: 100%; }
textarea, .sign-in input { width: 100%; }
button, .button { display: inline-block; font: inherit; font-weight: 600; padding: .45rem .9rem; margin: .5rem .5rem 0 0;
  border: 1px solid var(--accent); border-radius: 4px; background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; }
button.danger { background: var(--danger); border-color: var(--danger); }
button:disabled { background: #6a737d; border-color: #6a737d; cursor: not-allowed; }
.sign-out button { margin: 0; background: transparent; border-color: #fff; }
.filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: flex-end; }
.table-wrap { overflow-x: auto; background: var(--paper); border: 1px solid var(--line); border-radius: 6px; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; padding: .5rem .75rem; color: var(--muted); }
th, td { text-align: left; vertical-align: top; padding: .5rem .75rem; border-top: 1px solid var(--line); }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; background: var(--paper);
  border: 1px solid var(--line); border-radius: 6px; padding: 1rem; }
.facts dt { font-weight: 600; }
.facts dd { margin: 0; overflow-wrap: anywhere; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #0f1720; color: #e6edf3; padding: .75rem; border-radius: 4px; max-height: 32rem; overflow: auto; }
pre.details { max-height: 12rem; margin: 0; font-size: .85rem; }
code { overflow-wrap: anywhere; }
.flash { padding: .6rem .8rem; border-radius: 4px; border: 1px solid; }
.flash-success { background: #e6f4ea; border-color: var(--ok); color: #0f3d1a; }
.flash-error { background: #fde8e8; border-color: var(--danger); color: #5c0b0e; }
.flash-info { display: block; background: #e8f0fb; border-color: var(--accent); color: #08325e; }
.state { font-size: 1.2rem; font-weight: 700; padding: .75rem 1rem; border-radius: 6px; }
.state-active { background: #fde8e8; color: #5c0b0e; border: 2px solid var(--danger); }
.state-released { background: #e6f4ea; color: #0f3d1a; border: 2px solid var(--ok); }
.ok { color: var(--ok); font-weight: 700; }
.bad { color: var(--danger); font-weight: 700; }
.side-by-side { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
@media (max-width: 40rem) {
  .side-by-side { grid-template-columns: 1fr; }
  .facts { grid-template-columns: 1fr; }
  .sign-out { margin-left: 0; }
}
`;
