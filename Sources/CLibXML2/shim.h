// Debian builds libxml2 with ICU, and its encoding.h then includes ICU headers that clash with
// the ICU copy inside Swift's Foundation. Vigil uses the xmlTextReader and XML Schema APIs,
// none of the ICU converter fields, so the ICU part of the headers is left out.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/xmlreader.h>
#include <libxml/xmlerror.h>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

static inline void vigil_xml_free(void *p) { xmlFree(p); }
