/* A stand-in Windows service for the Wine tests of `vpndiag local` / `fix` (issue 15): Wine has no
 * IKEEXT, PolicyAgent, BFE, RasMan or SstpSvc, so tests/win/local.sh creates services of those names
 * (`sc create NAME binPath= C:\svc_stub.exe`) that run this: it reports RUNNING and stops on
 * SERVICE_CONTROL_STOP. One process may serve one service (SERVICE_WIN32_OWN_PROCESS). */
#include <windows.h>

static SERVICE_STATUS_HANDLE status_handle;
static SERVICE_STATUS status = {SERVICE_WIN32_OWN_PROCESS, SERVICE_START_PENDING, SERVICE_ACCEPT_STOP, 0, 0, 0, 0};
static HANDLE stop_event;

static DWORD WINAPI handler(DWORD control, DWORD type, LPVOID data, LPVOID ctx)
{
	(void)type, (void)data, (void)ctx;
	if (control == SERVICE_CONTROL_STOP || control == SERVICE_CONTROL_SHUTDOWN) {
		status.dwCurrentState = SERVICE_STOP_PENDING;
		SetServiceStatus(status_handle, &status);
		SetEvent(stop_event);
	}
	return NO_ERROR;
}

static void WINAPI service_main(DWORD argc, LPWSTR *argv)
{
	(void)argc;
	status_handle = RegisterServiceCtrlHandlerExW(argv[0], handler, NULL);
	if (!status_handle)
		return;
	stop_event = CreateEventW(NULL, TRUE, FALSE, NULL);
	status.dwCurrentState = SERVICE_RUNNING;
	SetServiceStatus(status_handle, &status);
	WaitForSingleObject(stop_event, 600000); /* bounded: a forgotten stub ends after 10 minutes */
	status.dwCurrentState = SERVICE_STOPPED;
	SetServiceStatus(status_handle, &status);
}

int wmain(void)
{
	static wchar_t name[] = L"";
	SERVICE_TABLE_ENTRYW table[] = {{name, service_main}, {NULL, NULL}};
	return StartServiceCtrlDispatcherW(table) ? 0 : 1;
}
