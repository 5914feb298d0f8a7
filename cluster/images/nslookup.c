/*
 * nslookup NAME: the stand-in for alpine:3.10's busybox nslookup in the node suite's
 * init-pytorch image. The Training Operator's init container loops on `nslookup <master>`
 * until it exits 0; alpine 3.10's busybox exits 0 once any search domain answers, while
 * Debian's busybox 1.35 exits 1 when the other search domains answer NXDOMAIN. This resolves
 * NAME through the pod's /etc/resolv.conf (search domains, ndots) with glibc and exits 0 if
 * it has an address, 1 if not, printing what it found as nslookup does.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: nslookup NAME\n");
    return 2;
  }
  struct addrinfo hints, *found, *a;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_CANONNAME;
  int rc = getaddrinfo(argv[1], NULL, &hints, &found);
  if (rc != 0) {
    printf("** server can't find %s: %s\n", argv[1], gai_strerror(rc));
    return 1;
  }
  printf("Name:\t%s\n", found->ai_canonname ? found->ai_canonname : argv[1]);
  for (a = found; a != NULL; a = a->ai_next) {
    char text[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &((struct sockaddr_in *)a->ai_addr)->sin_addr, text, sizeof text);
    printf("Address: %s\n", text);
  }
  freeaddrinfo(found);
  return 0;
}
