/* --allow's networks, ADDR[/PREFIX], parsed by fx_net_parse from exactly
 * the bytes given, and matched by fx_net_match. */
#include "fuzz.h"
#include "fxfer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The network's own address as a peer's sockaddr. */
static const struct sockaddr *as_peer(const struct fx_net *n, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (n->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)ss;
		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, n->addr, 4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)(void *)ss;
		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, n->addr, 16);
	}
	return (const struct sockaddr *)ss;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fx_net n, again;
	struct sockaddr_storage ss;
	char text[INET6_ADDRSTRLEN + 8], *buf;

	/* Exactly size bytes, no NUL after them: a read past is ASan's. */
	if ((buf = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	if (fx_net_parse(buf, size, &n) == 0) {
		PROPERTY(n.family == AF_INET || n.family == AF_INET6);
		PROPERTY(n.prefix <= (n.family == AF_INET ? 32u : 128u));
		/* Its own address is in it. */
		PROPERTY(fx_net_match(&n, as_peer(&n, &ss)) == 1);
		/* Written back as ADDR/PREFIX, it parses to the same network. */
		PROPERTY(inet_ntop(n.family, n.addr, text, INET6_ADDRSTRLEN) != NULL);
		snprintf(text + strlen(text), 8, "/%u", n.prefix);
		PROPERTY(fx_net_parse(text, strlen(text), &again) == 0);
		PROPERTY(again.family == n.family && again.prefix == n.prefix &&
		         memcmp(again.addr, n.addr, sizeof(n.addr)) == 0);
	}
	free(buf);
	return 0;
}
