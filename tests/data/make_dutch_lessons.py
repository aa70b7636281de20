#!/usr/bin/env python3
"""Writes the Dutch retrieval test sets under tests/data/ from the texts below (all written for this purpose).

- `dutch_lessons/`: 24 groups of three provinces stating one lesson in other words (word forms, synonyms,
  compounds versus split words), a near miss per group (shares words, not meaning) and fillers: 240 lessons.
- `dutch_lessons_check/`: a second, smaller set written after the engine was tuned, to check that it generalises.

Each set is twelve valid deliveries (`PVxx/experimenten.csv`, `PVxx/lessen.csv`, standard v1.1) and `groups.csv`
(group, query, lesson_keys separated by `|`). Run it again after changing a text: the output is deterministic.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROVINCES = [f"PV{n}" for n in range(20, 32)]
PREFIX = dict(zip(PROVINCES, ["GRO", "FRL", "DRE", "OVE", "FLE", "GEL", "UTR", "NHO", "ZHO", "ZEE", "NBR", "LIM"]))

# The experiments every province runs here: theme → (core task, IDA line, titles one of which a province uses).
EXPERIMENTS = {
    "leefomgeving": ("milieu_energie_klimaat", "maatschappelijke_opgaven",
                     ["Meetnet gezonde leefomgeving", "Sensoren voor een schone lucht", "Leefomgevingsmonitor"]),
    "mobiliteit": ("bereikbaarheid", "maatschappelijke_opgaven",
                   ["Slimme mobiliteit", "Datagedreven verkeersveiligheid", "Mobiliteitslab"]),
    "platteland": ("vitaal_platteland", "maatschappelijke_opgaven",
                   ["Datagedreven landbouw en natuur", "Stikstof en natuur in beeld", "Kringlooplandbouw met data"]),
    "organisatie": ("openbaar_bestuur", "basis_op_orde",
                    ["Datagedreven werken", "Informatievoorziening op orde", "Digitale basis provincie"]),
    "ruimte": ("ruimte", "samenwerking",
               ["Ruimtelijke plannen in 3D", "Water en bodem in beeld", "Wonen en ruimte met data"]),
}

# (theme, category, query, [three texts]) — a group; the near miss follows in NEAR_MISSES at the same position.
GROUPS = [
    ("leefomgeving", "gegevensmanagement", "sensor kalibratie luchtkwaliteit", [
        "Goedkope luchtkwaliteitssensoren geven pas betrouwbare waarden nadat ze zijn gekalibreerd tegen een officieel meetstation.",
        "Meetwaarden van sensoren voor de kwaliteit van de lucht zijn onbetrouwbaar zonder kalibratie naast een referentiestation van het RIVM.",
        "Zonder ijking aan een referentiemeting wijken de goedkope luchtsensoren sterk af; kalibreer ze eerst voordat je conclusies trekt."]),
    ("organisatie", "samenwerking", "gezamenlijk inkopen", [
        "Door de aanbesteding van het datawarehouse samen met drie andere provincies te doen, daalden de licentiekosten aanzienlijk.",
        "Gezamenlijke inkoop van software met buurprovincies levert lagere prijzen op dan ieder afzonderlijk inkopen.",
        "Samen aanbesteden met andere provincies bespaart geld: de leverancier gaf bij een groter volume korting."]),
    ("organisatie", "opschaling", "budget beheer na de pilot", [
        "Na de pilot ontbrak structureel budget voor beheer, waardoor het dashboard na een jaar niet meer werd bijgewerkt.",
        "Regel de financiering van onderhoud en beheer al voordat het experiment eindigt; anders sterft de oplossing een stille dood.",
        "Zonder middelen in de reguliere begroting voor de doorlopende kosten kon de applicatie na de proef niet worden voortgezet."]),
    ("mobiliteit", "publieke_waarden", "privacy toets vooraf", [
        "Voer een DPIA uit voordat je camerabeelden verzamelt; achteraf aanpassen kostte ons maanden.",
        "Een gegevensbeschermingseffectbeoordeling had eerder in het project gemoeten: de privacytoets bracht pas laat bezwaren aan het licht.",
        "Betrek de privacyfunctionaris bij de start: de privacy-impactanalyse achteraf dwong ons de dataverzameling stil te leggen."]),
    ("organisatie", "gegevensmanagement", "standaard voor gegevens van gemeenten", [
        "Gemeenten leverden hun gegevens aan in verschillende formaten; pas met een gezamenlijke gegevensstandaard werd vergelijken mogelijk.",
        "Spreek vooraf een datastandaard af met de gemeenten, anders kost het omzetten van elk eigen bestandsformaat meer tijd dan de analyse.",
        "Het harmoniseren van data uit tientallen gemeentelijke bronnen vroeg veel handwerk; een uniform uitwisselformaat had dat voorkomen."]),
    ("organisatie", "vaardigheden", "training datavaardigheden medewerkers", [
        "Beleidsmedewerkers konden de analyses niet zelf lezen; een cursus datageletterdheid bleek nodig.",
        "Investeer in de digitale vaardigheden van beleidsmakers, anders blijven de datarapporten ongelezen.",
        "Trainingen in het interpreteren van data voor beleidsadviseurs zorgden ervoor dat de uitkomsten echt werden gebruikt."]),
    ("leefomgeving", "samenwerking", "eigendom data contract leverancier", [
        "Leg in het contract vast dat de provincie eigenaar blijft van de verzamelde data; de leverancier wilde ze later alleen tegen betaling teruggeven.",
        "Let op leveranciersafhankelijkheid: zonder afspraken over het eigendom van de gegevens zaten we vast aan één marktpartij.",
        "Het eigendom van de sensordata was niet geregeld in de overeenkomst, waardoor overstappen naar een andere aanbieder onmogelijk werd."]),
    ("platteland", "publieke_waarden", "boeren data delen vertrouwen", [
        "Boeren deelden hun bedrijfsgegevens pas toen LTO meedacht over wat er met die gegevens gebeurt.",
        "Vertrouwen van agrariërs in het gebruik van hun data ontstond alleen door ze vanaf het begin te betrekken.",
        "Veehouders waren terughoudend met het delen van de stikstofcijfers van hun bedrijf totdat de landbouworganisatie mee aan tafel zat."]),
    ("mobiliteit", "gegevensmanagement", "hergebruik open data", [
        "Door de verkeersdata als open data te publiceren, bouwden ontwikkelaars zelf apps die wij nooit hadden bedacht.",
        "Het openbaar maken van datasets over verkeer leidde tot hergebruik door bedrijven en studenten.",
        "Publiceer gegevens open via het dataportaal: externe partijen maakten er nieuwe toepassingen mee."]),
    ("organisatie", "governance", "eigenaarschap lijnorganisatie opschaling", [
        "Zonder een eigenaar in de lijn bleef het experiment hangen bij de innovatieafdeling en werd het nooit opgeschaald.",
        "Opschalen lukte pas toen een afdelingshoofd uit het primaire proces het project adopteerde.",
        "Beleg het eigenaarschap bij de staande organisatie, niet bij een tijdelijk innovatieteam; anders stopt het na de proefperiode."]),
    ("leefomgeving", "inhoud", "burgers zelf laten meten", [
        "Inwoners die zelf meten met een sensor raken meer betrokken bij het luchtkwaliteitsbeleid.",
        "Burgermeetnetten zorgen voor draagvlak: deelnemers begrijpen hun eigen metingen beter dan een rapport.",
        "Citizen science werkte: bewoners die meedoen aan de metingen voelen zich eigenaar van het probleem."]),
    ("organisatie", "systeemlandschap", "koppeling oude systemen", [
        "Het verouderde zaaksysteem had geen koppelvlak, dus moesten medewerkers gegevens handmatig overtypen.",
        "Zonder API op de oude applicatie was automatische uitwisseling onmogelijk; we vervangen dat systeem nu.",
        "Legacy-software zonder koppelingen dwong tot handwerk bij het overzetten van data tussen systemen."]),
    ("leefomgeving", "samenwerking", "netcongestie gegevens netbeheerder", [
        "Netbeheerders deelden capaciteitsgegevens van het stroomnet pas na een convenant; regel dat vroeg.",
        "Inzicht in netcongestie vereist data van de netbeheerder; een samenwerkingsovereenkomst maakte de uitwisseling mogelijk.",
        "Afspraken met Enexis en Liander over het delen van data over de capaciteit van het elektriciteitsnet kostten een jaar; begin daar direct mee."]),
    ("organisatie", "publieke_waarden", "uitleg algoritme transparantie", [
        "Leg uit hoe het algoritme voor de subsidieverdeling werkt; inwoners accepteerden de uitkomst pas na een publieke toelichting.",
        "Transparantie over het rekenmodel was nodig: Statenleden wilden weten waarom het model deze prioriteit gaf.",
        "Publiceer het algoritme in het algoritmeregister en geef uitleg in begrijpelijke taal; dat voorkwam wantrouwen."]),
    ("mobiliteit", "inhoud", "gevaarlijke kruispunten fietsers melden", [
        "Meldingen van fietsers over bijna-ongevallen gaven een beter beeld van gevaarlijke kruispunten dan de ongevallenstatistiek.",
        "Gevaarlijke verkeerssituaties vonden we sneller via bijna-ongelukken die weggebruikers meldden dan via politiecijfers.",
        "Crowdsourcing van onveilige plekken door fietsers vulde de registratie van verkeersongevallen goed aan."]),
    ("organisatie", "vaardigheden", "data scientist pool delen", [
        "Het experiment hing af van één data scientist; toen die vertrok lag alles stil. Deel die capaciteit in een pool.",
        "Kwetsbaar: slechts één medewerker kon de modellen onderhouden. Een gedeelde datascientistpool tussen provincies vangt dat op.",
        "Met een gezamenlijke pool van datawetenschappers kunnen kleine provincies specialistische analyses laten doen zonder eigen vaste kracht."]),
    ("platteland", "inhoud", "natuur monitoren met satellieten", [
        "Satellietbeelden bleken geschikt om de staat van natuurgebieden jaarlijks te monitoren, goedkoper dan veldinventarisaties.",
        "Monitoring van de natuur met aardobservatie via satellieten vervangt een deel van het dure veldwerk.",
        "Met remote sensing vanuit de ruimte volgen we vegetatieveranderingen in natuurgebieden zonder steeds ecologen het veld in te sturen."]),
    ("organisatie", "opschaling", "klein beginnen en stapsgewijs uitbreiden", [
        "Begin klein met een minimaal werkend product en breid uit op basis van gebruikerservaringen; het grote ontwerp vooraf werd nooit af.",
        "Kleinschalig starten en stapsgewijs verbeteren werkte beter dan een groot project met een volledig programma van eisen.",
        "Een wendbare aanpak met korte sprints leverde sneller iets bruikbaars op dan de watervalplanning van het vorige traject, dat groot begon."]),
    ("organisatie", "samenwerking", "oplossing van andere provincie hergebruiken", [
        "We hebben de aanpak van een andere provincie overgenomen in plaats van zelf het wiel uit te vinden; dat scheelde een half jaar.",
        "Hergebruik van een oplossing die bij een buurprovincie al werkte bespaarde ons veel ontwikkeltijd.",
        "Kijk eerst wat collega-provincies al ontwikkeld hebben: hun code en ervaring overnemen ging veel sneller dan opnieuw bouwen."]),
    ("organisatie", "systeemlandschap", "informatiebeveiliging cloud vertraging", [
        "De cloudoplossing moest eerst voldoen aan de BIO; de informatiebeveiligingstoets vertraagde de start met drie maanden.",
        "Reken tijd in voor de beveiligingsbeoordeling: de CISO keurde de clouddienst pas goed na aanvullende maatregelen.",
        "Informatieveiligheid toetsen kostte meer tijd dan verwacht; betrek de security officer daarom vanaf dag één bij cloudprojecten."]),
    ("ruimte", "inhoud", "grondwater meten droogte", [
        "Grondwaterstandmetingen met peilbuizen in veenweidegebieden gaven waterschappen eerder zicht op droogte.",
        "Sensoren in peilbuizen die continu het grondwaterpeil meten hielpen het waterschap om bij droogte sneller bij te sturen.",
        "Door de stand van het grondwater automatisch te meten, kon bij verdroging van het veen eerder worden ingegrepen."]),
    ("organisatie", "governance", "dashboard voor bestuurders eenvoudig", [
        "Gedeputeerden gebruikten het dashboard pas toen het was teruggebracht tot vijf kernindicatoren.",
        "Een overzicht met weinig, goed gekozen indicatoren werkte beter voor bestuurders dan een uitgebreid dashboard met tientallen grafieken.",
        "Bestuurlijke informatie moet eenvoudig: het college las alleen de samenvatting met een handvol kerncijfers."]),
    ("mobiliteit", "publieke_waarden", "telefoondata reispatronen", [
        "Verplaatsingsdata van telefoons gaven goed inzicht in reispatronen, mits geaggregeerd zodat niemand herleidbaar is.",
        "Mobiele-telefoniedata over verplaatsingen zijn waardevol voor mobiliteitsbeleid, maar vanwege privacy alleen in samengevoegde vorm bruikbaar.",
        "Geanonimiseerde locatiegegevens van smartphones lieten zien waar forenzen vandaan komen en hoe ze reizen."]),
    ("ruimte", "inhoud", "digitale tweeling bouwplannen bewoners", [
        "Een digitale tweeling van de wijk hielp bewoners te zien wat nieuwbouw betekent voor schaduw en uitzicht.",
        "Met een 3D-model van de omgeving konden inwoners de gevolgen van bouwplannen beter beoordelen tijdens de participatie.",
        "Visualisaties in een digital twin maakten ruimtelijke plannen begrijpelijk voor omwonenden."]),
]

# Near misses, one per group above: they share words with the group, not its lesson.
NEAR_MISSES = [
    ("leefomgeving", "systeemlandschap", "De geluidssensoren langs de provinciale weg hadden een kapotte voeding en vielen in de winter uit."),
    ("organisatie", "governance", "De aanbesteding liep vertraging op omdat het bestek te laat klaar was door ziekte in het team."),
    ("mobiliteit", "inhoud", "Het budget voor de campagne over fietsveiligheid werd volledig besteed aan posters en radiospotjes."),
    ("ruimte", "publieke_waarden", "Privacy speelde geen rol bij de open data over waterstanden, omdat er geen persoonsgegevens in zaten."),
    ("organisatie", "samenwerking", "De gemeenten waren enthousiast over het dashboard en vroegen om een vervolgbijeenkomst."),
    ("organisatie", "vaardigheden", "De training over het nieuwe vergaderprogramma werd door weinig medewerkers bezocht."),
    ("leefomgeving", "inhoud", "De leverancier leverde de sensoren twee maanden te laat door een tekort aan chips."),
    ("platteland", "inhoud", "De stikstofdepositie in Natura 2000-gebieden bleek hoger dan het rekenmodel voorspelde."),
    ("organisatie", "publieke_waarden", "Open data over verleende subsidies bevatten fouten in de bedragen, wat tot Statenvragen leidde."),
    ("organisatie", "inhoud", "Het innovatieteam organiseerde een hackathon die veel ideeën opleverde voor de provinciale wegen."),
    ("ruimte", "inhoud", "Bewoners klaagden over geluidsoverlast van de werkzaamheden aan de dijk."),
    ("organisatie", "systeemlandschap", "Het nieuwe zaaksysteem werd op tijd en binnen de begroting opgeleverd."),
    ("leefomgeving", "inhoud", "Zonnepanelen op de provinciale gebouwen leverden meer stroom op dan berekend."),
    ("ruimte", "inhoud", "Het algoritme voor de routeplanning van de strooiwagens bespaarde twintig procent zout."),
    ("mobiliteit", "inhoud", "Het aantal fietsers op de snelfietsroute verdubbelde in het jaar na de opening."),
    ("ruimte", "inhoud", "De data scientist ontwikkelde een model dat de grondwaterstand een week vooruit voorspelt."),
    ("ruimte", "systeemlandschap", "De satellietverbinding van de meetboeien in het IJsselmeer viel regelmatig uit."),
    ("mobiliteit", "inhoud", "Het programma van eisen voor de nieuwe busconcessie telde driehonderd pagina's."),
    ("organisatie", "inhoud", "Een andere provincie vroeg ons om een presentatie over het project op het IPO-congres."),
    ("organisatie", "systeemlandschap", "De cloudkosten vielen lager uit dan de kosten van de eigen servers."),
    ("ruimte", "inhoud", "De waterkwaliteit in de zwemplassen werd via een app aan recreanten gemeld."),
    ("mobiliteit", "inhoud", "Het dashboard voor de ov-concessie toonde realtime de vertragingen van bussen."),
    ("mobiliteit", "inhoud", "Reizigers in de bus konden via hun telefoon een kaartje kopen."),
    ("ruimte", "systeemlandschap", "De digitale tweeling van het vaarwegennet vroeg veel rekenkracht van de servers."),
]

# Fillers: a setting and a finding, combined; none of the findings states a group's lesson.
SETTINGS = [
    "Bij de herinrichting van de provinciale weg", "In het project over biodiversiteit in bermen", "Tijdens de proef met waterstofbussen",
    "Bij het onderzoek naar leegstand in winkelcentra", "In het programma voor erfgoed en monumenten", "Bij de verkenning van de energiehubs",
    "Tijdens de bouw van het fietsparkeerdashboard", "In de pilot met slimme verkeerslichten", "Bij de aanpak van eikenprocessierupsen",
    "In het project over laadpalen langs de snelweg", "Bij de evaluatie van de cultuursubsidies", "Tijdens het experiment met drones voor dijkinspectie",
    "In de proef met vraaggestuurd openbaar vervoer", "Bij het meten van bezoekersaantallen in musea", "Tijdens de verkenning van de recreatieroutes",
    "In het project over bodemdaling", "Bij de monitoring van weidevogels", "In de proef met slimme lantaarnpalen",
    "Bij het onderzoek naar bedrijventerreinen", "Tijdens de voorbereiding van de woondeal", "In het experiment met het vaarwegbeheer",
    "Bij de inzet van chatbots voor vergunningvragen", "In het project over toerisme aan de kust", "Bij de analyse van de arbeidsmarktregio",
]
FINDINGS = [
    "bleek de planning te krap omdat de vergunningverlening langer duurde dan gedacht.",
    "was de opkomst bij de inloopavonden hoger dan verwacht.",
    "gaf een externe evaluatie nuttige verbeterpunten voor de volgende fase.",
    "werkte de samenwerking met de gemeente prettig dankzij vaste contactpersonen.",
    "moest het projectplan twee keer worden herschreven na wisselingen in het team.",
    "leverde een enquête onder ondernemers weinig reacties op.",
    "hielp een heldere communicatiestrategie om de pers goed te informeren.",
    "was de technische oplossing eenvoudiger dan de leverancier eerst beweerde.",
    "trokken de weersomstandigheden een zware wissel op de uitvoering.",
    "zorgde een stuurgroep met vaste vergaderdata voor snelle besluiten.",
    "werden de kosten van het onderhoud van de apparatuur onderschat.",
    "bleek een proefperiode van een half jaar te kort om seizoenseffecten te zien.",
    "was de kaartlaag met eigendomsgrenzen verouderd en moest die worden bijgewerkt.",
    "gaven gesprekken aan de keukentafel meer inzicht dan de formele inspraakavond.",
    "moest de rapportage worden vertaald naar het Engels voor Europese partners.",
    "gaf de Europese subsidie veel administratieve lasten.",
    "werkte het project als vliegwiel voor andere initiatieven in de regio.",
    "hielp een gedeelde projectruimte om de lijnen kort te houden.",
    "was het lastig om vrijwilligers langer dan een seizoen vast te houden.",
    "bleek de doelgroep vooral via lokale kranten bereikbaar.",
    "liep de vergunning voor de proeflocatie vertraging op door bezwaren van omwonenden.",
    "maakte een duidelijke mijlpalenplanning de voortgang zichtbaar voor iedereen.",
    "gaven de eerste resultaten aanleiding om de doelen bij te stellen.",
    "bleek het draagvlak in de gemeenteraad groter dan in de buurt zelf.",
]
FILLER_THEMES = ["mobiliteit", "platteland", "leefomgeving", "ruimte", "organisatie"]
CATEGORIES = ["inhoud", "governance", "samenwerking", "opschaling", "vaardigheden"]


# ------------------------------------------------------------------------------------------------ the check set
# Written after the engine was tuned on the set above: other topics, other words, its own fillers.
CHECK_GROUPS = [
    ("mobiliteit", "inhoud", "laadpalen plaatsen op basis van data", [
        "Gebruiksgegevens van bestaande laadpalen lieten zien waar nieuwe laadpunten het hardst nodig zijn.",
        "Met data over de bezetting van oplaadpunten konden we de plaatsing van extra laadinfrastructuur onderbouwen.",
        "Waar elektrische auto's nu al lang wachten bij de laadpaal, plaatsen we eerst nieuwe palen; de laaddata wezen dat uit."]),
    ("organisatie", "governance", "juridisch advies vroeg betrekken", [
        "Juristen moeten vroeg meekijken: de licentievoorwaarden van de dataset bleken pas bij publicatie een probleem.",
        "Laat de juridische afdeling bij de start de gebruiksvoorwaarden van data beoordelen, niet pas aan het eind.",
        "Door de jurist te laat te betrekken moesten we de publicatie van de gegevens uitstellen vanwege onduidelijke rechten."]),
    ("platteland", "inhoud", "drones gewas controleren", [
        "Dronebeelden van percelen gaven sneller inzicht in gewasschade dan inspecties te voet.",
        "Met drones boven de akkers zagen we ziekten in het gewas eerder dan bij handmatige controles.",
        "Luchtopnames met een drone vervingen een groot deel van de veldbezoeken om de gezondheid van gewassen te beoordelen."]),
    ("organisatie", "vaardigheden", "kennis borgen bij vertrek", [
        "Leg kennis vast in documentatie: na het vertrek van de projectleider wist niemand meer hoe de koppelingen werkten.",
        "Zorg voor goede overdrachtsdocumenten, want met het verloop van personeel verdween veel kennis uit het project.",
        "Toen de externe adviseur wegging, bleek dat de werkwijze nergens beschreven stond; schrijf alles op."]),
    ("ruimte", "inhoud", "hittekaart groen in de wijk", [
        "Hittestresskaarten hielpen gemeenten bepalen waar extra groen in de wijk het meeste effect heeft.",
        "Met kaarten van de temperatuur in de stad kozen gemeenten de plekken voor nieuwe bomen.",
        "Inzicht in hitte-eilanden gaf gemeenten een onderbouwing om versteende pleinen te vergroenen."]),
    ("mobiliteit", "inhoud", "dienstregeling aanpassen met reizigersdata", [
        "Incheckgegevens van de ov-chipkaart lieten zien welke busritten vrijwel leeg reden, zodat de dienstregeling kon worden aangepast.",
        "Reizigerstellingen uit de ov-chipkaartdata gebruikten we om de frequentie van lijnen beter af te stemmen op de vraag.",
        "Met data over het aantal instappers per halte paste de vervoerder de dienstregeling aan."]),
    ("organisatie", "governance", "staten informeren verwachtingen", [
        "Neem Provinciale Staten tijdig mee: zonder tussentijdse informatie werden de verwachtingen van het experiment te hoog.",
        "Verwachtingenmanagement richting de Staten is nodig; zij dachten dat de pilot meteen resultaat zou opleveren.",
        "Informeer de Statenleden regelmatig over de voortgang, zodat ze niet verrast worden als de proef tegenvalt."]),
    ("leefomgeving", "inhoud", "geluid meten bij klachten", [
        "Geluidsmetingen langs provinciale wegen gaven een objectief antwoord op klachten van omwonenden.",
        "Met geluidssensoren bij de weg konden we klachten over verkeerslawaai onderbouwen of weerleggen.",
        "Metingen van het lawaai van het verkeer maakten het gesprek met bewoners over overlast feitelijker."]),
]
CHECK_NEAR_MISSES = [
    ("mobiliteit", "inhoud", "De laadpalen bij het provinciehuis werden vooral door bezoekers gebruikt."),
    ("organisatie", "inhoud", "De jurist stelde een nieuwe subsidieregeling op voor dorpshuizen."),
    ("platteland", "inhoud", "De droneshow op Koningsdag trok veel bezoekers naar de dijk."),
    ("organisatie", "inhoud", "De projectleider gaf een presentatie over de mijlpalen aan de stuurgroep."),
    ("ruimte", "inhoud", "De bomen langs de provinciale weg werden gekapt vanwege essentaksterfte."),
    ("mobiliteit", "inhoud", "De nieuwe bussen in de concessie rijden op waterstof."),
    ("organisatie", "governance", "Provinciale Staten stemden in met de nieuwe omgevingsvisie."),
    ("leefomgeving", "inhoud", "Het geluid van de windturbines werd in de vergunning begrensd."),
]
CHECK_SETTINGS = [
    "Bij de renovatie van het provinciehuis", "In de proef met deelfietsen op stations", "Bij het beheer van de vaarwegen",
    "Tijdens de herziening van de natuurvisie", "In het project over glasvezel op het platteland", "Bij de inrichting van het nieuwe archief",
    "In de verkenning naar een regionale energiestrategie", "Bij de aanleg van de ecoduct", "Tijdens de campagne voor vrijwilligerswerk",
    "In het programma voor vitale dorpen", "Bij de overdracht van wegen aan gemeenten", "In de pilot met zelfrijdende pendelbusjes",
]
CHECK_FINDINGS = [
    "liep de oplevering een maand uit door materiaaltekort.",
    "waren de gemeenten blij met een vast aanspreekpunt bij de provincie.",
    "bleek een nieuwsbrief de beste manier om de omgeving op de hoogte te houden.",
    "vroegen de bewoners om meer inspraak in de planning.",
    "moest het ontwerp worden aangepast aan de eisen van de brandweer.",
    "leverde de evaluatie weinig nieuwe inzichten op.",
    "was de belangstelling van jongeren lager dan gehoopt.",
    "zorgde een ervaren projectleider voor rust in het team.",
    "gaven de partners de voorkeur aan een kortere looptijd.",
    "bleken de oorspronkelijke ramingen te optimistisch.",
    "werd het project genomineerd voor een landelijke prijs.",
    "kwam de samenwerking met het waterschap moeizaam op gang.",
]


def members(group: int) -> list[str]:
    """The three provinces of a group: spread so that every province is in six groups with varying partners."""
    first = group % 12
    offsets = (5, 9) if group < 12 else (3, 7)
    return [PROVINCES[first], PROVINCES[(first + offsets[0]) % 12], PROVINCES[(first + offsets[1]) % 12]]


def build(out: Path, groups, near_misses, fillers_per_province: int, seed: int,
          settings: list[str] = SETTINGS, findings: list[str] = FINDINGS) -> None:
    rng = random.Random(seed)
    lessons: dict[str, list[tuple]] = {p: [] for p in PROVINCES}
    group_rows = []
    for number, (theme, category, query, texts) in enumerate(groups, start=1):
        keys = []
        for province, text in zip(members(number - 1), texts):
            lessons[province].append((theme, category, text))
            keys.append((province, len(lessons[province])))
        group_rows.append((number, query, keys))
    for number, (theme, category, text) in enumerate(near_misses):
        lessons[PROVINCES[(number * 7 + 3) % 12]].append((theme, category, text))
    pairs = [(s, f) for s in settings for f in findings]
    rng.shuffle(pairs)
    for province in PROVINCES:
        for _ in range(fillers_per_province):
            setting, finding = pairs.pop()
            lessons[province].append((rng.choice(FILLER_THEMES), rng.choice(CATEGORIES), f"{setting} {finding}"))
    for province in PROVINCES:
        folder = out / province
        folder.mkdir(parents=True, exist_ok=True)
        prefix = PREFIX[province]
        index = PROVINCES.index(province)
        with (folder / "experimenten.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["experiment_id", "provincie", "titel", "kerntaak", "ida_spoor", "fase", "trefwoorden"])
            for theme, (task, line, titles) in EXPERIMENTS.items():
                writer.writerow([f"{prefix}-{theme}", province, titles[index % len(titles)], task, line, "experiment",
                                 "testset"])
        with (folder / "lessen.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["les_id", "experiment_id", "datum", "leerrichting", "categorie", "les"])
            for number, (theme, category, text) in enumerate(lessons[province], start=1):
                writer.writerow([f"{prefix}-L{number:02d}", f"{prefix}-{theme}", f"2025-{1 + number % 12:02d}-{1 + number % 27:02d}",
                                 "horizontaal", category, text])
    with (out / "groups.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["group", "query", "lesson_keys"])
        for number, query, keys in group_rows:
            writer.writerow([number, query, "|".join(f"{p}:{PREFIX[p]}-L{n:02d}" for p, n in keys)])


if __name__ == "__main__":
    build(HERE / "dutch_lessons", GROUPS, NEAR_MISSES, fillers_per_province=12, seed=11)
    build(HERE / "dutch_lessons_check", CHECK_GROUPS, CHECK_NEAR_MISSES, fillers_per_province=6, seed=12,
          settings=CHECK_SETTINGS, findings=CHECK_FINDINGS)
