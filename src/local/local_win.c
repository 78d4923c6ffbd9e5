/* Reading and changing this PC (Windows only; local.h, fix.h): the token's elevation, the
 * registry values, the services, the phonebooks' bytes, the Application log's RasClient events,
 * and the fix actions. Everything read is handed to the portable parsers and rules. Read-only
 * unless fix_apply / fix_undo_apply is called. */
#include "local/fix.h"
#include "local/local.h"

#include <ras.h>
#include <shlobj.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <windows.h>
#include <winevt.h>

#include "util/file.h"
#include "util/secret.h"
#include "util/sys.h"

/* ---- strings: the Windows API speaks UTF-16, the model UTF-8 ---- */
static bool to_wide(const char *s, wchar_t *out, int outn)
{
	return MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, out, outn) > 0;
}

static bool to_utf8(const wchar_t *s, char *out, int outn)
{
	return WideCharToMultiByte(CP_UTF8, 0, s, -1, out, outn, NULL, NULL) > 0;
}

static void win_error(char *err, size_t errlen, const char *what, DWORD code)
{
	wchar_t w[256];
	char m[400];
	DWORD n = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, code, 0, w, 256, NULL);
	while (n > 0 && (w[n - 1] == L'\n' || w[n - 1] == L'\r' || w[n - 1] == L'.' || w[n - 1] == L' '))
		w[--n] = 0;
	if (n == 0 || !to_utf8(w, m, sizeof m))
		snprintf(m, sizeof m, "Windows error %lu", (unsigned long)code);
	snprintf(err, errlen, "%s: %s (%lu)", what, m, (unsigned long)code);
}

/* ---- the token ---- */
int local_elevated(void)
{
	HANDLE t;
	TOKEN_ELEVATION e;
	DWORD n;
	if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &t))
		return -1;
	BOOL ok = GetTokenInformation(t, TokenElevation, &e, sizeof e, &n);
	CloseHandle(t);
	return ok ? e.TokenIsElevated != 0 : -1;
}

/* ---- the registry (64-bit view: the values live there for the 64-bit IKEEXT and RasMan) ---- */
static void reg_read(enum local_reg r, struct local_regval *v)
{
	wchar_t key[200], name[80];
	*v = (struct local_regval){.state = LOCAL_READ_ERROR, .error = ERROR_INVALID_PARAMETER};
	if (!to_wide(local_reg_defs[r].key, key, 200) || !to_wide(local_reg_defs[r].value, name, 80))
		return;
	HKEY k;
	LONG rc = RegOpenKeyExW(HKEY_LOCAL_MACHINE, key, 0, KEY_QUERY_VALUE | KEY_WOW64_64KEY, &k);
	if (rc == ERROR_FILE_NOT_FOUND) {
		v->state = LOCAL_ABSENT;
		return;
	}
	if (rc != ERROR_SUCCESS) {
		v->error = (uint32_t)rc;
		return;
	}
	DWORD type = 0, data = 0, size = sizeof data;
	rc = RegQueryValueExW(k, name, NULL, &type, (BYTE *)&data, &size);
	RegCloseKey(k);
	if (rc == ERROR_FILE_NOT_FOUND) {
		v->state = LOCAL_ABSENT;
	} else if (rc == ERROR_MORE_DATA || (rc == ERROR_SUCCESS && (type != REG_DWORD || size != sizeof data))) {
		/* Windows reads these as REG_DWORD only; another type counts as 0 [O: facts §2.2] */
		v->state = LOCAL_WRONG_TYPE;
		v->type = type;
	} else if (rc == ERROR_SUCCESS) {
		v->state = LOCAL_PRESENT;
		v->value = data;
	} else {
		v->error = (uint32_t)rc;
	}
}

/* ---- the services ---- */
static void svc_read(SC_HANDLE scm, enum local_svc s, struct local_service *v)
{
	wchar_t name[40];
	*v = (struct local_service){.state = LOCAL_READ_ERROR};
	if (!scm || !to_wide(local_svc_defs[s].name, name, 40)) {
		v->error = scm ? ERROR_INVALID_PARAMETER : GetLastError();
		return;
	}
	SC_HANDLE h = OpenServiceW(scm, name, SERVICE_QUERY_STATUS | SERVICE_QUERY_CONFIG);
	if (!h) {
		DWORD e = GetLastError();
		v->state = e == ERROR_SERVICE_DOES_NOT_EXIST ? LOCAL_ABSENT : LOCAL_READ_ERROR;
		v->error = e;
		return;
	}
	SERVICE_STATUS_PROCESS st;
	DWORD need = 0;
	union {
		QUERY_SERVICE_CONFIGW c;
		BYTE b[8192];
	} cfg;
	if (!QueryServiceStatusEx(h, SC_STATUS_PROCESS_INFO, (BYTE *)&st, sizeof st, &need) ||
	    !QueryServiceConfigW(h, &cfg.c, sizeof cfg, &need)) {
		v->error = GetLastError();
	} else {
		v->state = LOCAL_PRESENT;
		v->run_state = st.dwCurrentState;
		v->start_type = cfg.c.dwStartType;
	}
	CloseServiceHandle(h);
}

/* ---- the phonebooks: %APPDATA% (the user's) and %ProgramData% (all users') [D: RAS phonebook
 * locations; windows-build-notes.md: read the file, RasEnumEntries is a stub under Wine] ---- */
static const wchar_t PBK_TAIL[] = L"\\Microsoft\\Network\\Connections\\Pbk\\rasphone.pbk";

static bool pbk_path(const KNOWNFOLDERID *id, struct local_pbk_file *f)
{
	PWSTR dir = NULL;
	wchar_t w[MAX_PATH + 64];
	bool ok = SHGetKnownFolderPath(id, 0, NULL, &dir) == S_OK && wcslen(dir) + wcslen(PBK_TAIL) < MAX_PATH;
	if (ok) {
		wcscpy(w, dir);
		wcscat(w, PBK_TAIL);
		ok = to_utf8(w, f->path, sizeof f->path);
	}
	CoTaskMemFree(dir);
	return ok;
}

static void pbk_read(struct local_pc *pc, struct local_pbk_file *f)
{
	/* file_read_bounded opens ANSI paths: give it the short (8.3, ASCII) form of a path the ANSI
	 * code page cannot spell */
	wchar_t w[MAX_PATH + 64], s[MAX_PATH + 64];
	char ansi[MAX_PATH * 2];
	BOOL lossy = FALSE;
	if (!to_wide(f->path, w, MAX_PATH + 64)) {
		f->state = LOCAL_READ_ERROR;
		snprintf(f->err, sizeof f->err, "the path is not valid UTF-8");
		return;
	}
	if (GetFileAttributesW(w) == INVALID_FILE_ATTRIBUTES && GetLastError() == ERROR_FILE_NOT_FOUND) {
		f->state = LOCAL_ABSENT;
		return;
	}
	int n = WideCharToMultiByte(CP_ACP, WC_NO_BEST_FIT_CHARS, w, -1, ansi, sizeof ansi, NULL, &lossy);
	if ((n <= 0 || lossy) && GetShortPathNameW(w, s, MAX_PATH + 64) > 0)
		n = WideCharToMultiByte(CP_ACP, WC_NO_BEST_FIT_CHARS, s, -1, ansi, sizeof ansi, NULL, &lossy);
	uint8_t *buf = NULL;
	size_t len = 0;
	if (n <= 0 || lossy) {
		f->state = LOCAL_READ_ERROR;
		snprintf(f->err, sizeof f->err, "the path cannot be opened in this code page");
	} else if (file_read_bounded(ansi, PBK_MAX_BYTES, FILE_DATA_TIMEOUT_MS, 0, &buf, &len, f->err, sizeof f->err) != 0) {
		f->state = LOCAL_READ_ERROR;
	} else {
		local_add_pbk(pc, f, buf, len);
	}
	free(buf);
}

/* ---- the Application log's RasClient events (EvtQuery; a stub under Wine: it fails, and the
 * report says the log could not be read) ---- */
#define EVT_BATCH 64
#define EVT_MAX_READ 2000 /* events rendered at most */

static int log_events(void *ctx, uint32_t days, int64_t now, uint8_t **xml, size_t *len, char *err, size_t errlen)
{
	(void)ctx, (void)now;
	wchar_t q[200];
	_snwprintf(q, 200, L"*[System[Provider[@Name='RasClient'] and TimeCreated[timediff(@SystemTime) <= %llu]]]",
		   (unsigned long long)days * 86400000ull);
	q[199] = 0;
	EVT_HANDLE h = EvtQuery(NULL, L"Application", q, EvtQueryChannelPath | EvtQueryForwardDirection);
	if (!h) {
		win_error(err, errlen, "the Application log cannot be queried", GetLastError());
		return -1;
	}
	size_t cap = 1 << 16, n = 0;
	char *out = malloc(cap);
	wchar_t *w = malloc(65536 * sizeof *w);
	int rc = out && w ? 0 : -1;
	if (rc)
		snprintf(err, errlen, "out of memory");
	EVT_HANDLE ev[EVT_BATCH];
	DWORD got = 0;
	size_t total = 0;
	while (rc == 0 && total < EVT_MAX_READ && EvtNext(h, EVT_BATCH, ev, 2000, 0, &got)) {
		for (DWORD i = 0; i < got; i++, total++) {
			DWORD used = 0, props = 0;
			if (rc == 0 && EvtRender(NULL, ev[i], EvtRenderEventXml, 65536 * sizeof *w, w, &used, &props)) {
				int k = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
				if (k > 0 && n + (size_t)k + 1 > cap && n + (size_t)k + 1 <= EVT_MAX_BYTES) {
					while (n + (size_t)k + 1 > cap)
						cap *= 2;
					char *o = realloc(out, cap);
					if (!o) {
						rc = -1;
						snprintf(err, errlen, "out of memory");
					} else {
						out = o;
					}
				}
				if (rc == 0 && k > 0 && n + (size_t)k + 1 <= cap) {
					WideCharToMultiByte(CP_UTF8, 0, w, -1, out + n, k, NULL, NULL);
					n += (size_t)k - 1; /* without the NUL */
					out[n++] = '\n';
				}
			}
			EvtClose(ev[i]);
		}
	}
	EvtClose(h);
	free(w);
	if (rc) {
		free(out);
		return -1;
	}
	out[n] = 0;
	*xml = (uint8_t *)out;
	*len = n;
	return 0;
}

const struct local_event_source local_event_log = {"the Application log", log_events, NULL};

int local_collect(struct local_pc *pc, const struct local_opts *o, char *err, size_t errlen)
{
	memset(pc, 0, sizeof *pc);
	pc->now = (int64_t)time(NULL);
	pc->days = o->days ? o->days : 7;
	pc->elevated = local_elevated();
	/* the phonebooks */
	if (o->npbk_paths) {
		for (size_t i = 0; i < o->npbk_paths && i < 2; i++)
			snprintf(pc->pbk[pc->npbk++].path, sizeof pc->pbk[0].path, "%s", o->pbk_paths[i]);
	} else {
		if (pbk_path(&FOLDERID_RoamingAppData, &pc->pbk[pc->npbk]))
			pc->npbk++;
		if (pbk_path(&FOLDERID_ProgramData, &pc->pbk[pc->npbk]))
			pc->pbk[pc->npbk++].all_users = true;
	}
	for (size_t i = 0; i < pc->npbk; i++)
		pbk_read(pc, &pc->pbk[i]);
	/* the registry and the services */
	pc->have_registry = true;
	for (int r = 0; r < LOCAL_REG_COUNT; r++)
		reg_read((enum local_reg)r, &pc->reg[r]);
	SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
	pc->have_services = scm != NULL;
	for (int s = 0; s < LOCAL_SVC_COUNT; s++)
		svc_read(scm, (enum local_svc)s, &pc->svc[s]);
	if (scm)
		CloseServiceHandle(scm);
	/* the events */
	const struct local_event_source *src = o->events ? o->events : &local_event_log;
	snprintf(pc->events_source, sizeof pc->events_source, "%s", src->name);
	uint8_t *xml = NULL;
	size_t len = 0;
	if (src->read(src->ctx, pc->days, pc->now, &xml, &len, pc->events_err, sizeof pc->events_err) != 0)
		pc->events_state = LOCAL_READ_ERROR;
	else
		local_add_events(pc, xml, len);
	free(xml);
	(void)err, (void)errlen;
	return 0;
}

/* ---- the stored pre-shared key [D: RASCREDENTIALS, RASCM_PreSharedKey] ---- */
int local_conn_psk(const struct local_pc *pc, const struct local_conn *c, struct secret *s, char *err, size_t errlen)
{
	wchar_t path[MAX_PATH + 64], name[PBK_NAME_MAX];
	if (c->pbk >= pc->npbk || !to_wide(pc->pbk[c->pbk].path, path, MAX_PATH + 64) || !to_wide(c->e.name, name, PBK_NAME_MAX)) {
		snprintf(err, errlen, "the connection's name or phonebook cannot be passed to Windows");
		return -1;
	}
	/* rasapi32 is loaded only here, from System32: under Wine (8.0) RasGetCredentialsW is an
	 * unimplemented stub that ends the process when called (measured), so it is not called there */
	HMODULE nt = GetModuleHandleW(L"ntdll.dll");
	if (nt && GetProcAddress(nt, "wine_get_version")) {
		snprintf(err, errlen, "Wine does not implement RasGetCredentials");
		return -1;
	}
	typedef DWORD(WINAPI * get_fn)(LPCWSTR, LPCWSTR, LPRASCREDENTIALSW);
	HMODULE ras = LoadLibraryExW(L"rasapi32.dll", NULL, LOAD_LIBRARY_SEARCH_SYSTEM32);
	get_fn get = ras ? (get_fn)(void (*)(void))GetProcAddress(ras, "RasGetCredentialsW") : NULL;
	if (!get) {
		snprintf(err, errlen, "rasapi32.dll has no RasGetCredentialsW");
		if (ras)
			FreeLibrary(ras);
		return -1;
	}
	RASCREDENTIALSW cred;
	SecureZeroMemory(&cred, sizeof cred);
	cred.dwSize = sizeof cred;
	cred.dwMask = RASCM_PreSharedKey;
	DWORD rc = get(path, name, &cred);
	FreeLibrary(ras);
	char key[SECRET_MAX + 1];
	int n = 0, ret = -1;
	if (rc != 0)
		snprintf(err, errlen, "Windows did not hand out the stored pre-shared key (RAS error %lu)", (unsigned long)rc);
	else if (!(cred.dwMask & RASCM_PreSharedKey) || !cred.szPassword[0])
		snprintf(err, errlen, "Windows has no pre-shared key stored for this connection");
	else if ((n = WideCharToMultiByte(CP_UTF8, 0, cred.szPassword, -1, key, sizeof key, NULL, NULL)) <= 1)
		snprintf(err, errlen, "the stored pre-shared key cannot be read as text");
	else
		ret = secret_from_bytes(s, (const uint8_t *)key, (size_t)n - 1, err, errlen);
	SecureZeroMemory(key, sizeof key);
	SecureZeroMemory(&cred, sizeof cred);
	return ret;
}

/* ---- fix actions ---- */
static int reg_write(enum local_reg r, bool delete, uint32_t value, char *err, size_t errlen)
{
	wchar_t key[200], name[80];
	if (!to_wide(local_reg_defs[r].key, key, 200) || !to_wide(local_reg_defs[r].value, name, 80)) {
		snprintf(err, errlen, "bad registry name");
		return -1;
	}
	HKEY k;
	LONG rc = RegCreateKeyExW(HKEY_LOCAL_MACHINE, key, 0, NULL, 0, KEY_SET_VALUE | KEY_WOW64_64KEY, NULL, &k, NULL);
	if (rc == ERROR_SUCCESS) {
		DWORD d = value;
		rc = delete ? RegDeleteValueW(k, name) : RegSetValueExW(k, name, 0, REG_DWORD, (const BYTE *)&d, sizeof d);
		if (delete && rc == ERROR_FILE_NOT_FOUND)
			rc = ERROR_SUCCESS;
		RegCloseKey(k);
	}
	if (rc != ERROR_SUCCESS) {
		char what[200];
		snprintf(what, sizeof what, "setting %s", local_reg_defs[r].value);
		win_error(err, errlen, what, (DWORD)rc);
		return -1;
	}
	return 0;
}

/* Waits (bounded) for a service to reach a state. */
static bool svc_wait(SC_HANDLE h, DWORD want)
{
	SERVICE_STATUS st;
	for (int i = 0; i < 150; i++) { /* 15 s */
		if (!QueryServiceStatus(h, &st))
			return false;
		if (st.dwCurrentState == want)
			return true;
		Sleep(100);
	}
	return false;
}

enum svc_op { SVC_CONFIG, SVC_RESTART };

static int svc_stop(SC_HANDLE h, DWORD *e)
{
	SERVICE_STATUS st;
	if (!QueryServiceStatus(h, &st) || st.dwCurrentState == SERVICE_STOPPED)
		return 0;
	if (!ControlService(h, SERVICE_CONTROL_STOP, &st) && GetLastError() != ERROR_SERVICE_NOT_ACTIVE) {
		*e = GetLastError();
		return -1;
	}
	if (!svc_wait(h, SERVICE_STOPPED)) {
		*e = ERROR_SERVICE_REQUEST_TIMEOUT;
		return -1;
	}
	return 0;
}

static int svc_change(enum local_svc s, enum svc_op op, uint32_t start_type, char *err, size_t errlen)
{
	bool restart = op == SVC_RESTART;
	wchar_t name[40];
	char what[120];
	snprintf(what, sizeof what, "%s %s", restart ? "restarting" : "setting the start type of",
		 local_svc_defs[s].name);
	if (!to_wide(local_svc_defs[s].name, name, 40)) {
		snprintf(err, errlen, "%s: bad name", what);
		return -1;
	}
	SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
	SC_HANDLE h = scm ? OpenServiceW(scm, name, SERVICE_QUERY_STATUS | SERVICE_STOP | SERVICE_START | SERVICE_CHANGE_CONFIG)
			  : NULL;
	DWORD e = h ? 0 : GetLastError();
	if (!h && scm && e == ERROR_SERVICE_DOES_NOT_EXIST) {
		CloseServiceHandle(scm);
		return 1; /* not installed: nothing to change */
	}
	int rc = h ? 0 : -1;
	if (h && op == SVC_CONFIG) {
		if (!ChangeServiceConfigW(h, SERVICE_NO_CHANGE, start_type, SERVICE_NO_CHANGE, NULL, NULL, NULL, NULL, NULL,
					  NULL, NULL)) {
			e = GetLastError();
			rc = -1;
		}
	} else if (h) {
		rc = svc_stop(h, &e);
		if (rc == 0 && op == SVC_RESTART && !StartServiceW(h, 0, NULL) && GetLastError() != ERROR_SERVICE_ALREADY_RUNNING) {
			e = GetLastError();
			rc = -1;
		} else if (rc == 0 && op == SVC_RESTART && !svc_wait(h, SERVICE_RUNNING)) {
			e = ERROR_SERVICE_REQUEST_TIMEOUT;
			rc = -1;
		}
	}
	/* a service set back to disabled is also stopped, as it was */
	if (rc == 0 && h && op == SVC_CONFIG && start_type == SERVICE_DISABLED)
		rc = svc_stop(h, &e);
	if (rc)
		win_error(err, errlen, what, e);
	if (h)
		CloseServiceHandle(h);
	if (scm)
		CloseServiceHandle(scm);
	return rc;
}

int fix_apply(const struct fix_action *a, char *err, size_t errlen)
{
	switch (a->kind) {
	case FIX_SET_DWORD: return reg_write(a->reg, false, a->value, err, errlen);
	case FIX_START_TYPE: return svc_change(a->svc, SVC_CONFIG, a->value, err, errlen);
	case FIX_RESTART_SERVICE: return svc_change(a->svc, SVC_RESTART, 0, err, errlen);
	}
	snprintf(err, errlen, "unknown action");
	return -1;
}

int fix_undo_apply(const struct fix_undo_item *u, char *err, size_t errlen)
{
	if (u->kind == FIX_SET_DWORD)
		return reg_write(u->reg, !u->existed, u->old_value, err, errlen);
	if (u->kind == FIX_START_TYPE)
		return svc_change(u->svc, SVC_CONFIG, u->old_value, err, errlen);
	snprintf(err, errlen, "nothing to undo for a restart");
	return -1;
}

int fix_undo_path(char *out, size_t outlen, char *err, size_t errlen)
{
	PWSTR dir = NULL;
	wchar_t w[MAX_PATH + 64];
	bool ok = SHGetKnownFolderPath(&FOLDERID_ProgramData, 0, NULL, &dir) == S_OK && wcslen(dir) < MAX_PATH;
	if (ok) {
		wcscpy(w, dir);
		wcscat(w, L"\\vpndiag");
		(void)CreateDirectoryW(w, NULL); /* ERROR_ALREADY_EXISTS is fine */
		wcscat(w, L"\\fix-undo.json");
		ok = to_utf8(w, out, (int)outlen);
	}
	CoTaskMemFree(dir);
	if (!ok)
		snprintf(err, errlen, "cannot find %%ProgramData%%");
	return ok ? 0 : -1;
}
