"""The legally required site pages, with the places the county must fill in clearly marked."""

from .models import HomePage, StandardPage

TO_FILL = "<strong>[Vom Landkreis zu ergänzen: {}]</strong>"

SITE_PAGES = [
    {
        "slug": "impressum",
        "title": "Impressum",
        "intro": "Angaben gemäß § 5 Digitale-Dienste-Gesetz (DDG) und § 18 Medienstaatsvertrag (MStV).",
        "body": [
            ("heading", "Anbieter"),
            (
                "paragraph",
                "<p>Landkreis Hildesheim – Jugendamt für Stadt und Landkreis Hildesheim<br>"
                + TO_FILL.format("Postanschrift")
                + "</p>"
                "<p>Der Landkreis ist eine Körperschaft des öffentlichen Rechts. Er wird vertreten "
                "durch " + TO_FILL.format("Landrätin oder Landrat, Name") + ".</p>",
            ),
            ("heading", "Kontakt"),
            (
                "paragraph",
                "<p>Telefon: "
                + TO_FILL.format("Telefonnummer")
                + "<br>E-Mail: "
                + TO_FILL.format("E-Mail-Adresse der Koordination")
                + "</p>",
            ),
            ("heading", "Verantwortlich für den Inhalt"),
            (
                "paragraph",
                "<p>Inhaltlich verantwortlich nach § 18 Abs. 2 MStV: "
                + TO_FILL.format("Name, Funktion, Anschrift")
                + "</p>",
            ),
            ("heading", "Umsatzsteuer-Identifikationsnummer"),
            ("paragraph", "<p>" + TO_FILL.format("USt-IdNr., sofern vorhanden") + "</p>"),
        ],
    },
    {
        "slug": "datenschutz",
        "title": "Datenschutz",
        "intro": "Welche personenbezogenen Daten die Lernplattform verarbeitet, warum und wie lange.",
        "body": [
            ("heading", "Verantwortliche Stelle"),
            (
                "paragraph",
                "<p>Landkreis Hildesheim, Jugendamt. "
                + TO_FILL.format("Anschrift")
                + "</p><p>Datenschutzbeauftragte Person: "
                + TO_FILL.format("Name und Kontakt")
                + "</p>",
            ),
            ("heading", "Zweck der Verarbeitung"),
            (
                "paragraph",
                "<p>Die Plattform dient der Fortbildung „Fachkraft Leaving Care“ für "
                "Mitarbeiter*innen des öffentlichen und der freien Träger. Verarbeitet werden die "
                "Daten, die für Anmeldung, Lernfortschritt, Präsenztermine und Zertifikate nötig "
                "sind. Rechtsgrundlage: "
                + TO_FILL.format(
                    "Rechtsgrundlage, z. B. Art. 6 Abs. 1 lit. e DSGVO i. V. m. Landesrecht"
                )
                + ".</p>",
            ),
            ("heading", "Welche Daten gespeichert werden"),
            (
                "paragraph",
                "<ul><li>Konto: Name, E-Mail-Adresse, Organisation, Team bzw. "
                "Bezirk, Passwort (nur als sicherer Hash).</li><li>Lernen: Einschreibungen, "
                "erledigte Lerneinheiten, Ergebnisse der Wissenschecks, eigene Notizen zu "
                "Reflexionsfragen (nur für Sie selbst sichtbar).</li><li>Präsenztermine: "
                "Anmeldungen und Anwesenheit.</li><li>Zertifikate: ausgestellte Nachweise mit "
                "Prüfcode.</li></ul>",
            ),
            ("heading", "Wer die Daten sieht"),
            (
                "paragraph",
                "<p>Die Koordination der Fortbildungsreihe sieht den Fortschritt "
                "aller Teilnehmenden; die Koordination eines freien Trägers nur die Personen der "
                "eigenen Organisation. Referent*innen sehen die Teilnahmelisten ihrer Termine. "
                "Notizen zu Reflexionsfragen sieht niemand außer Ihnen.</p>",
            ),
            ("heading", "Speicherdauer"),
            (
                "paragraph",
                "<p>"
                + TO_FILL.format(
                    "Löschfristen, z. B. Konten ohne bestätigte E-Mail-Adresse nach 14 Tagen; Zertifikatsregister nach X Jahren"
                )
                + "</p>",
            ),
            ("heading", "Ihre Rechte"),
            (
                "paragraph",
                "<p>Sie haben das Recht auf Auskunft, Berichtigung, Löschung, "
                "Einschränkung der Verarbeitung und Widerspruch sowie das Recht, sich bei der "
                "Landesbeauftragten für den Datenschutz Niedersachsen zu beschweren.</p>",
            ),
            ("heading", "Keine Dienste Dritter"),
            (
                "paragraph",
                "<p>Die Plattform lädt keine Schriften, Skripte oder Videos von "
                "fremden Servern. Eingebettete Videos werden erst nach Ihrem Klick geladen.</p>",
            ),
        ],
    },
    {
        "slug": "barrierefreiheit",
        "title": "Erklärung zur Barrierefreiheit",
        "intro": "Der Landkreis ist bemüht, die Lernplattform im Einklang mit dem "
        "Niedersächsischen Behindertengleichstellungsgesetz (NBGG) und der BITV 2.0 barrierefrei "
        "zugänglich zu machen.",
        "body": [
            ("heading", "Stand der Vereinbarkeit"),
            (
                "paragraph",
                "<p>Diese Website ist mit den Anforderungen der BITV 2.0 "
                + TO_FILL.format("vollständig / teilweise")
                + " vereinbar. Die Erklärung beruht "
                "auf "
                + TO_FILL.format("Selbstbewertung oder Prüfung durch Dritte, Datum")
                + ".</p>",
            ),
            ("heading", "Nicht barrierefreie Inhalte"),
            (
                "paragraph",
                "<p>"
                + TO_FILL.format("bekannte Einschränkungen, z. B. ältere PDF-Dokumente")
                + "</p>",
            ),
            ("heading", "Barrieren melden"),
            (
                "paragraph",
                "<p>Wenn Ihnen Barrieren auffallen, schreiben Sie bitte an "
                + TO_FILL.format("E-Mail-Adresse")
                + ".</p>",
            ),
            ("heading", "Schlichtungsverfahren"),
            (
                "paragraph",
                "<p>Wenn auf Ihre Meldung keine zufriedenstellende Antwort kommt, "
                "können Sie sich an die Schlichtungsstelle nach § 9d NBGG beim Landesbeauftragten "
                "für Menschen mit Behinderungen in Niedersachsen wenden.</p>",
            ),
        ],
    },
]


def ensure_site_pages() -> None:
    """Create the site pages once; pages edited by the county are never overwritten."""
    home = HomePage.objects.first()
    if home is None:
        return
    existing = set(home.get_children().values_list("slug", flat=True))
    for spec in SITE_PAGES:
        if spec["slug"] in existing:
            continue
        page = StandardPage(
            title=spec["title"],
            slug=spec["slug"],
            intro=spec["intro"],
            body=[(kind, value) for kind, value in spec["body"]],
            show_in_menus=False,
        )
        home.add_child(instance=page)
        page.save_revision().publish()
