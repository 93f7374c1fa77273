-- Drives neovim's own LSP client against `stagecraft lsp` (nvim_test.go).
-- Written for the client API of neovim 0.7 (Debian bookworm): start_client
-- and buf_attach_client. Results go to the file named by $OUT, one line
-- each, then neovim quits.
local out = assert(io.open(os.getenv("OUT"), "w"))
local function say(s) out:write(s, "\n"); out:flush() end
local function finish(code) out:close(); vim.cmd(code == 0 and "qa!" or "cq!") end

local diagnostics = nil
local client_id = vim.lsp.start_client({
  name = "stagecraft",
  cmd = { os.getenv("SERVER"), "lsp", "--stdlib-dir", os.getenv("STDLIB") },
  root_dir = os.getenv("ROOT"),
  handlers = {
    ["textDocument/publishDiagnostics"] = function(_, result)
      if result.uri == vim.uri_from_fname(os.getenv("FILE")) and #result.diagnostics > 0 then
        diagnostics = result.diagnostics
      end
    end,
  },
})
if not client_id then say("error: the client did not start"); finish(1) return end

vim.cmd("edit " .. os.getenv("FILE"))
local buf = vim.api.nvim_get_current_buf()
vim.lsp.buf_attach_client(buf, client_id)

if not vim.wait(10000, function() return diagnostics ~= nil end, 20) then
  say("error: no diagnostics within 10s"); finish(1) return
end
for _, d in ipairs(diagnostics) do
  say(string.format("diagnostic %d:%d %s %s", d.range.start.line, d.range.start.character, d.code, d.message))
end

local client = vim.lsp.get_client_by_id(client_id)
local function request(method, line, char)
  local params = { textDocument = { uri = vim.uri_from_bufnr(buf) }, position = { line = line, character = char } }
  local res = client.request_sync(method, params, 10000, buf)
  if not res or res.err then
    say("error: " .. method .. ": " .. vim.inspect(res and res.err)); return nil
  end
  return res.result
end

local hover = request("textDocument/hover", tonumber(os.getenv("HOVER_LINE")), tonumber(os.getenv("HOVER_CHAR")))
if hover then say("hover " .. hover.contents.value:gsub("\n", " ")) end

local items = request("textDocument/completion", tonumber(os.getenv("COMPLETE_LINE")), tonumber(os.getenv("COMPLETE_CHAR")))
if items then
  local labels = {}
  for _, it in ipairs(items.items or items) do table.insert(labels, it.label) end
  say("completion " .. table.concat(labels, ","))
end

client.stop()
vim.wait(2000, function() return client.is_stopped() end, 20)
finish(0)
