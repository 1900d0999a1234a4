import { expect, test } from '../fixtures.js';

/** VS Code in the browser, through Caddy on the workspace origin: a terminal command returns output. */
test('the IDE loads and a command typed in its terminal returns output', async ({
  page,
  stack,
  workspace,
}) => {
  // xterm.js draws on a canvas when it can; its DOM renderer puts the text where the page can read it.
  const settings = JSON.stringify({ 'terminal.integrated.gpuAcceleration': 'off' });
  const written = await stack.exec(
    workspace,
    `dir=/home/coder/.local/share/code-server/User && mkdir -p $dir && echo '${settings}' > $dir/settings.json && chown -R coder:coder /home/coder/.local`,
  );
  expect(written.exitCode).toBe(0);

  await page.goto(stack.ideUrl(workspace));
  await expect(page.locator('.monaco-workbench')).toBeVisible({ timeout: 120_000 });

  await test.step('open a terminal with Ctrl+`', async () => {
    const terminal = page.locator('.terminal-wrapper .xterm');
    // Under TCG the remote terminal backend connects a while after the workbench shows; until then
    // the shortcut does nothing, so it is pressed again until a terminal is there.
    await expect(async () => {
      if (!(await terminal.isVisible())) await page.keyboard.press('Control+Backquote');
      await expect(terminal).toBeVisible({ timeout: 10_000 });
    }).toPass({ timeout: 120_000 });
  });

  await test.step('type a command; its output appears in the terminal', async () => {
    const terminal = page.locator('.terminal-wrapper .xterm').first();
    // The shell prompt comes first: typing before it would be lost to the line editor's start-up.
    await expect(terminal.locator('.xterm-rows')).toContainText('$', { timeout: 60_000 });
    await terminal.click();
    // The output differs from the typed text, so finding it proves the shell ran the command.
    await page.keyboard.type('echo "rockpool-$((6*7))-$ROCKPOOL_WORKSPACE_NAME"');
    await page.keyboard.press('Enter');
    await expect(terminal.locator('.xterm-rows')).toContainText(`rockpool-42-${workspace}`, {
      timeout: 30_000,
    });
    await stack.screenshot(page, '21-ide-terminal');
  });
});
