// ESLint rule `cachelens/settings-only`: the extension reads its configuration in one module,
// extension/src/settings.ts, so that the settings it reads are exactly the keys of
// `SettingDefaults` (which package.json's contributes.configuration must declare: a unit test
// compares them). A call of `getConfiguration(` anywhere else, whatever it is called on, is
// reported: read the setting through `readSettings()` instead, after adding it to SettingDefaults.
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const HOME = 'extension/src/settings.ts';

export default {
  meta: {
    type: 'problem',
    docs: { description: 'Read the extension configuration only through extension/src/settings.ts.' },
    schema: [],
    messages: {
      elsewhere: 'Configuration is read only in {{home}}: add the setting to SettingDefaults (and package.json) and use readSettings() instead of getConfiguration().',
    },
  },
  create(context) {
    const rel = path.relative(ROOT, context.filename).split(path.sep).join('/');
    if (rel === HOME) return {};
    return {
      CallExpression(node) {
        const callee = node.callee.type === 'ChainExpression' ? node.callee.expression : node.callee;
        const name = callee.type === 'Identifier' ? callee.name
          : callee.type === 'MemberExpression' && !callee.computed && callee.property.type === 'Identifier' ? callee.property.name
            : callee.type === 'MemberExpression' && callee.computed && callee.property.type === 'Literal' ? String(callee.property.value)
              : undefined;
        if (name === 'getConfiguration') context.report({ node, messageId: 'elsewhere', data: { home: HOME } });
      },
    };
  },
};
