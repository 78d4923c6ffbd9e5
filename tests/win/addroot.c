/* Adds the certificates of a PEM or DER file to this PC's machine ROOT store (the store IKEEXT and
 * SstpSvc trust): the Wine lab test trusts the lab's CA in the prefix the way an administrator
 * would with `certutil -addstore Root`, which Wine does not have. Exit 0 when at least one was
 * added. Usage: addroot.exe FILE */
#include <stdio.h>
#include <stdlib.h>
#include <windows.h>
#include <wincrypt.h>

int wmain(int argc, wchar_t **argv)
{
	if (argc != 2)
		return 2;
	HCERTSTORE root = CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, CERT_SYSTEM_STORE_LOCAL_MACHINE, L"ROOT");
	HCERTSTORE file = CertOpenStore(CERT_STORE_PROV_FILENAME_W, X509_ASN_ENCODING, 0, CERT_STORE_READONLY_FLAG, argv[1]);
	if (!root || !file) {
		fprintf(stderr, "addroot: cannot open the stores (%lu)\n", GetLastError());
		return 1;
	}
	int n = 0;
	for (PCCERT_CONTEXT c = CertEnumCertificatesInStore(file, NULL); c; c = CertEnumCertificatesInStore(file, c))
		n += CertAddCertificateContextToStore(root, c, CERT_STORE_ADD_REPLACE_EXISTING, NULL) ? 1 : 0;
	CertCloseStore(file, 0);
	CertCloseStore(root, 0);
	printf("addroot: %d certificate(s) added to the machine ROOT store\n", n);
	return n > 0 ? 0 : 1;
}
