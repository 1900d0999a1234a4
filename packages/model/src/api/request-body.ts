/**
 * The largest request body the API accepts, at the edge and in the server. The biggest body any
 * route takes is a client certificate's password (at most 256 characters) or a new workspace
 * (`{name, cpus, memoryMiB}`): well under 1 KiB. 64 KiB leaves room for fields to come while a
 * request can no longer make the server parse megabytes (a 10 MiB JSON body grew it by 40 MB).
 */
export const MAX_API_BODY_BYTES = 64 * 1024;
