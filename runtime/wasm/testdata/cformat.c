// manifest: {"abi":1,"name":"cformat","version":"1","actions":[{"name":"fmt","inputs":[{"name":"d","type":"number"}],"outputs":[{"name":"s","type":"text"}]}]}
// C with wasi-libc that formats text, as a third party writes it from
// spec/wasm.md: snprintf links fd_seek, fd_close and fd_write, printf
// fd_fdstat_get too. Built by the tests with clang -mexec-model=reactor.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char in[4096];
static char out[256];

__attribute__((export_name("stagecraft_alloc"))) void *stagecraft_alloc(int32_t size) {
	return size <= (int32_t)sizeof in ? in : NULL;
}

// The inputs are {"d":NUMBER}, the host's form (spec/wasm.md, A call).
__attribute__((export_name("action_fmt"))) int64_t action_fmt(const char *p, int32_t len) {
	char num[64] = {0};
	const char *colon = memchr(p, ':', (size_t)len);
	if (colon == NULL || len - (colon + 1 - p) - 1 >= (int32_t)sizeof num) {
		return 0;
	}
	memcpy(num, colon + 1, (size_t)(len - (colon + 1 - p) - 1)); // up to the closing brace
	double d = strtod(num, NULL);
	printf("formatting %s\n", num);
	fprintf(stderr, "to stderr\n");
	int n = snprintf(out, sizeof out, "{\"outputs\":{\"s\":\"%.2f\"}}", d);
	return (int64_t)(uintptr_t)out << 32 | (uint32_t)n;
}
