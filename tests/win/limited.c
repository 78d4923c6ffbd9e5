/* Runs a command with the limited half of the caller's token (TokenLinkedToken), as a
 * non-elevated prompt of an administrator would: the Wine tests of `vpndiag fix` use it to check
 * that fix refuses to run without elevation (Wine runs programs elevated by default; measured:
 * TokenElevation 1, type full; the linked token gives 0, type limited). Exit: the command's. */
#include <stdio.h>
#include <windows.h>

int wmain(void)
{
	HANDLE t;
	TOKEN_LINKED_TOKEN l;
	DWORD n;
	if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &t) ||
	    !GetTokenInformation(t, TokenLinkedToken, &l, sizeof l, &n)) {
		fprintf(stderr, "limited: no linked token (%lu)\n", GetLastError());
		return 125;
	}
	/* the command line after our own name */
	wchar_t *cmd = GetCommandLineW();
	if (*cmd == L'"') {
		cmd = wcschr(cmd + 1, L'"');
		cmd = cmd ? cmd + 1 : L"";
	} else {
		while (*cmd && *cmd != L' ')
			cmd++;
	}
	while (*cmd == L' ')
		cmd++;
	STARTUPINFOW si;
	ZeroMemory(&si, sizeof si);
	si.cb = sizeof si;
	PROCESS_INFORMATION pi;
	if (!CreateProcessAsUserW(l.LinkedToken, NULL, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi)) {
		fprintf(stderr, "limited: CreateProcessAsUser failed (%lu)\n", GetLastError());
		return 125;
	}
	WaitForSingleObject(pi.hProcess, 120000);
	DWORD rc = 125;
	GetExitCodeProcess(pi.hProcess, &rc);
	return (int)rc;
}
