// Webpack loads stylesheets as text (asset/source) and fonts as files next to main.js (asset/resource).
declare module '*.css' {
  const text: string;
  export default text;
}
declare module '*.ttf' {
  const url: string;
  export default url;
}
