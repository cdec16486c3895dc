// learnrec — the academy's texts: multilingual course descriptions and the skill vocabulary
// (see data/academy.hpp, "Schema version 2 ... descriptions").
//
// Descriptions are written in the course's language (en, fr, de, es, it, pt; Polish and Dutch
// courses get an English one: learnrec has no stemmer for them), from one of three sentence
// templates per language naming the course's format, level and skills in that language, plus
// sometimes a closing sentence. The skill names come from the table below, which is also the
// vocabulary the academy exports (skill_synonyms.csv): the first phrase of each language is the
// one descriptions use. Draws come from their own stream, so no other field changes.
#include <algorithm>
#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "academy_random.hpp"
#include "learnrec/data/academy.hpp"

namespace learnrec {
namespace {

constexpr std::uint64_t kDescriptionStream = 0x6465736372697074ULL;  // "descript"

/// Uniform index in [0, n) from the top 53 bits (the standard specifies mt19937_64's output).
std::size_t draw(std::mt19937_64& rng, std::size_t n) {
    const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;
    return std::min(static_cast<std::size_t>(u * static_cast<double>(n)), n - 1);
}

// Languages of the table's columns after English.
constexpr std::array<std::string_view, 6> kLanguages{"en", "fr", "de", "es", "it", "pt"};

// Per skill: English (the catalogue's name first), French, German, Spanish, Italian, Portuguese;
// phrases separated by '|', the first of each language is the one descriptions use.
constexpr std::array<std::array<const char*, 6>, 107> kSkillPhrases{{
    {"cybersecurity|cyber security|information security|infosec", "cybersécurité|sécurité informatique|sécurité de l'information", "Cybersicherheit|IT-Sicherheit|Informationssicherheit", "ciberseguridad|seguridad informática", "cybersecurity|sicurezza informatica", "cibersegurança|segurança da informação"},
    {"security awareness|phishing", "sensibilisation à la sécurité|hameçonnage", "Sicherheitsbewusstsein|Phishing", "concienciación en seguridad|suplantación de identidad", "consapevolezza della sicurezza", "conscientização em segurança"},
    {"secure coding|secure development", "développement sécurisé|code sécurisé", "sichere Programmierung|sichere Softwareentwicklung", "programación segura|desarrollo seguro", "programmazione sicura|sviluppo sicuro", "programação segura|desenvolvimento seguro"},
    {"incident response|security incidents", "réponse aux incidents|gestion des incidents de sécurité", "Incident Response|Reaktion auf Sicherheitsvorfälle", "respuesta a incidentes", "risposta agli incidenti", "resposta a incidentes"},
    {"network security|firewalls", "sécurité des réseaux|sécurité réseau", "Netzwerksicherheit", "seguridad de redes", "sicurezza delle reti", "segurança de redes"},
    {"identity and access management|iam|access control", "gestion des identités et des accès|gestion des accès", "Identitäts- und Zugriffsmanagement|Zugriffsverwaltung", "gestión de identidades y accesos", "gestione delle identità e degli accessi", "gestão de identidades e acessos"},
    {"cloud computing|the cloud", "informatique en nuage|cloud|nuage", "Cloud-Computing|Cloud", "computación en la nube|la nube", "cloud computing|nuvola", "computação em nuvem|nuvem"},
    {"aws|amazon web services", "AWS", "AWS", "AWS", "AWS", "AWS"},
    {"azure|microsoft azure", "Azure", "Azure", "Azure", "Azure", "Azure"},
    {"kubernetes|k8s", "Kubernetes", "Kubernetes", "Kubernetes", "Kubernetes", "Kubernetes"},
    {"cloud architecture|cloud solutions architect", "architecture cloud|architecture infonuagique", "Cloud-Architektur", "arquitectura en la nube|arquitectura cloud", "architettura cloud", "arquitetura em nuvem|arquitetura cloud"},
    {"serverless|functions as a service", "informatique sans serveur|serverless", "Serverless|serverlose Architektur", "sin servidor|serverless", "serverless|senza server", "sem servidor|serverless"},
    {"data science|data scientist", "science des données|data science", "Datenwissenschaft|Data Science", "ciencia de datos", "scienza dei dati|data science", "ciência de dados"},
    {"statistics|statistical analysis", "statistiques|statistique", "Statistik", "estadística", "statistica", "estatística"},
    {"data visualisation|data visualization|dashboards", "visualisation de données|datavisualisation|tableaux de bord", "Datenvisualisierung", "visualización de datos", "visualizzazione dei dati", "visualização de dados"},
    {"sql|databases|database queries", "SQL|bases de données", "SQL|Datenbanken", "SQL|bases de datos", "SQL|database", "SQL|bancos de dados"},
    {"power bi|powerbi", "Power BI", "Power BI", "Power BI", "Power BI", "Power BI"},
    {"experimentation|a/b testing|ab testing", "expérimentation|tests A/B", "Experimente|A/B-Tests", "experimentación|pruebas A/B", "sperimentazione|test A/B", "experimentação|testes A/B"},
    {"python|python programming", "Python|programmation Python", "Python|Python-Programmierung", "Python|programación en Python", "Python|programmazione Python", "Python|programação em Python"},
    {"pandas", "pandas", "pandas", "pandas", "pandas", "pandas"},
    {"software testing|unit testing|test automation", "tests logiciels|tests unitaires", "Softwaretests|Softwaretesten|Unit-Tests", "pruebas de software|pruebas unitarias", "test del software|test unitari", "testes de software|testes unitários"},
    {"automation|scripting|automating tasks", "automatisation|automatiser", "Automatisierung|automatisieren", "automatización|automatizar", "automazione|automatizzare", "automação|automatizar"},
    {"numpy", "NumPy", "NumPy", "NumPy", "NumPy", "NumPy"},
    {"web apis|rest apis|api development", "API web|API REST", "Web-APIs|REST-APIs", "API web|API REST", "API web|API REST", "APIs web|APIs REST"},
    {"software design|software architecture|design patterns", "conception logicielle|architecture logicielle", "Softwaredesign|Softwarearchitektur", "diseño de software|arquitectura de software", "progettazione del software|architettura software", "design de software|arquitetura de software"},
    {"clean code|code quality|refactoring", "code propre|qualité du code", "sauberer Code|Clean Code|Codequalität", "código limpio|calidad del código", "codice pulito|qualità del codice", "código limpo|qualidade de código"},
    {"git|version control|github", "Git|gestion de versions", "Git|Versionskontrolle|Versionsverwaltung", "Git|control de versiones", "Git|controllo di versione", "Git|controle de versão"},
    {"java|java programming", "Java", "Java", "Java", "Java", "Java"},
    {"code review|peer review", "revue de code", "Code-Review|Codeüberprüfung", "revisión de código", "revisione del codice|code review", "revisão de código"},
    {"microservices|microservice architecture", "microservices", "Microservices", "microservicios", "microservizi", "microsserviços"},
    {"devops", "DevOps", "DevOps", "DevOps", "DevOps", "DevOps"},
    {"ci/cd|continuous integration|continuous delivery|continuous deployment", "intégration continue|déploiement continu", "kontinuierliche Integration|CI/CD", "integración continua|despliegue continuo", "integrazione continua|rilascio continuo", "integração contínua|entrega contínua"},
    {"docker|containers|containerisation", "Docker|conteneurs", "Docker|Container", "Docker|contenedores", "Docker|container", "Docker|contêineres"},
    {"infrastructure as code|terraform", "infrastructure en tant que code|infrastructure as code", "Infrastructure as Code|Infrastruktur als Code", "infraestructura como código", "infrastruttura come codice", "infraestrutura como código"},
    {"observability|monitoring", "observabilité|supervision|monitoring", "Observability|Monitoring|Überwachung", "observabilidad|monitorización", "osservabilità|monitoraggio", "observabilidade|monitoramento"},
    {"site reliability engineering|sre|reliability engineering", "ingénierie de la fiabilité|SRE", "Site Reliability Engineering|SRE", "ingeniería de fiabilidad|SRE", "ingegneria dell'affidabilità|SRE", "engenharia de confiabilidade|SRE"},
    {"machine learning|ml|predictive models", "apprentissage automatique|apprentissage machine|machine learning", "maschinelles Lernen|Machine Learning", "aprendizaje automático|machine learning", "apprendimento automatico|machine learning", "aprendizado de máquina|aprendizagem automática|machine learning"},
    {"deep learning|neural networks", "apprentissage profond|réseaux de neurones", "Deep Learning|tiefes Lernen|neuronale Netze", "aprendizaje profundo|redes neuronales", "apprendimento profondo|reti neurali", "aprendizado profundo|redes neurais"},
    {"generative ai|genai|generative artificial intelligence|large language models|llm|chatgpt", "IA générative|intelligence artificielle générative", "generative KI|generative künstliche Intelligenz", "IA generativa|inteligencia artificial generativa", "IA generativa|intelligenza artificiale generativa", "IA generativa|inteligência artificial generativa"},
    {"mlops|model deployment", "MLOps|mise en production des modèles", "MLOps", "MLOps", "MLOps", "MLOps"},
    {"natural language processing|nlp|text mining", "traitement automatique du langage|traitement du langage naturel", "Verarbeitung natürlicher Sprache|Sprachverarbeitung", "procesamiento del lenguaje natural", "elaborazione del linguaggio naturale", "processamento de linguagem natural"},
    {"project management|managing projects|pmp|prince2", "gestion de projet|conduite de projet|chef de projet", "Projektmanagement|Projektleitung", "gestión de proyectos|dirección de proyectos", "gestione dei progetti|project management", "gestão de projetos|gerenciamento de projetos"},
    {"risk management|risk assessment", "gestion des risques", "Risikomanagement", "gestión de riesgos", "gestione dei rischi", "gestão de riscos|gerenciamento de riscos"},
    {"stakeholder management|stakeholder communication|stakeholders", "gestion des parties prenantes|parties prenantes", "Stakeholder-Management|Stakeholder", "gestión de las partes interesadas|partes interesadas", "gestione degli stakeholder|stakeholder", "gestão de stakeholders|partes interessadas"},
    {"project planning|planning|scheduling", "planification de projet|planification", "Projektplanung", "planificación de proyectos", "pianificazione dei progetti", "planejamento de projetos"},
    {"agile|agility|agile methods", "agilité|méthodes agiles|agile", "Agilität|agile Methoden", "metodologías ágiles|agilidad", "metodologie agili|agilità", "metodologias ágeis|agilidade"},
    {"scrum|scrum master", "Scrum", "Scrum", "Scrum", "Scrum", "Scrum"},
    {"kanban", "Kanban", "Kanban", "Kanban", "Kanban", "Kanban"},
    {"product ownership|product owner|product management", "product owner|gestion de produit", "Product Owner|Produktmanagement", "product owner|gestión de producto", "product owner|gestione del prodotto", "product owner|gestão de produto"},
    {"scaled agile|safe framework", "agilité à l'échelle", "skalierte Agilität", "agilidad a escala", "agile su larga scala", "agilidade em escala"},
    {"agile coaching|agile coach", "coaching agile", "agiles Coaching", "coaching ágil", "coaching agile", "coaching ágil"},
    {"leadership|leading people|leader", "leadership|management d'équipe", "Führung|Führungskompetenz|Leadership", "liderazgo", "leadership", "liderança"},
    {"people management|managing people|team management|management", "management|gestion d'équipe|encadrement", "Personalführung|Mitarbeiterführung|Teamführung", "gestión de personas|gestión de equipos", "gestione delle persone|gestione del team", "gestão de pessoas|gestão de equipes"},
    {"coaching|mentoring", "coaching|accompagnement", "Coaching", "coaching|mentoría", "coaching", "coaching|mentoria"},
    {"change management|managing change", "conduite du changement|gestion du changement", "Veränderungsmanagement|Change Management", "gestión del cambio", "gestione del cambiamento", "gestão da mudança"},
    {"strategic thinking|strategy", "pensée stratégique|stratégie", "strategisches Denken|Strategie", "pensamiento estratégico|estrategia", "pensiero strategico|strategia", "pensamento estratégico|estratégia"},
    {"business writing|writing emails|professional writing", "écriture professionnelle|rédaction professionnelle", "Geschäftskorrespondenz|professionelles Schreiben", "redacción profesional|escritura empresarial", "scrittura professionale", "redação profissional|escrita empresarial"},
    {"public speaking|presentations|speaking in public", "prise de parole en public|prise de parole|présentations", "Reden halten|öffentliches Sprechen|Präsentieren", "hablar en público|presentaciones", "parlare in pubblico|presentazioni", "falar em público|apresentações"},
    {"feedback|giving feedback", "feedback|retour d'information", "Feedback", "retroalimentación|feedback", "feedback", "feedback"},
    {"cross-cultural communication|intercultural communication|communication", "communication interculturelle|communication", "interkulturelle Kommunikation|Kommunikation", "comunicación intercultural|comunicación", "comunicazione interculturale|comunicazione", "comunicação intercultural|comunicação"},
    {"storytelling", "storytelling|art de raconter", "Storytelling", "storytelling|narrativa", "storytelling", "storytelling"},
    {"data protection|gdpr|privacy", "protection des données|RGPD", "Datenschutz|DSGVO", "protección de datos|RGPD", "protezione dei dati|GDPR", "proteção de dados|RGPD|LGPD"},
    {"anti-corruption|anti-bribery|bribery", "lutte contre la corruption|anticorruption", "Korruptionsbekämpfung|Antikorruption", "anticorrupción|lucha contra el soborno", "anticorruzione", "anticorrupção"},
    {"ethics|code of conduct|compliance", "éthique|code de conduite|conformité", "Ethik|Verhaltenskodex|Compliance", "ética|código de conducta|cumplimiento normativo", "etica|codice di condotta", "ética|código de conduta|conformidade"},
    {"health and safety|workplace safety|safety", "santé et sécurité au travail|sécurité au travail", "Arbeitsschutz|Arbeitssicherheit", "seguridad y salud laboral|prevención de riesgos laborales", "salute e sicurezza sul lavoro|sicurezza sul lavoro", "saúde e segurança no trabalho"},
    {"anti-money laundering|aml|money laundering", "lutte contre le blanchiment|blanchiment d'argent", "Geldwäscheprävention|Geldwäsche", "prevención del blanqueo de capitales|blanqueo de capitales", "antiriciclaggio|riciclaggio", "prevenção à lavagem de dinheiro|lavagem de dinheiro"},
    {"export control|export compliance|sanctions", "contrôle des exportations", "Exportkontrolle", "control de exportaciones", "controllo delle esportazioni", "controle de exportações"},
    {"corporate finance|finance", "finance d'entreprise|finance", "Unternehmensfinanzierung|Finanzen", "finanzas corporativas|finanzas", "finanza aziendale|finanza", "finanças corporativas|finanças"},
    {"budgeting|budgets|budget planning", "gestion budgétaire|budget", "Budgetierung|Budgetplanung", "presupuestos|elaboración de presupuestos", "budgeting|gestione del budget", "orçamento|gestão orçamentária"},
    {"financial analysis|financial statements", "analyse financière", "Finanzanalyse", "análisis financiero", "analisi finanziaria", "análise financeira"},
    {"accounting|bookkeeping", "comptabilité", "Buchhaltung|Rechnungswesen", "contabilidad", "contabilità", "contabilidade"},
    {"ifrs|international financial reporting standards", "IFRS|normes IFRS", "IFRS", "NIIF|IFRS", "IFRS", "IFRS"},
    {"financial modelling|financial modeling|excel models", "modélisation financière", "Finanzmodellierung", "modelización financiera|modelos financieros", "modellazione finanziaria", "modelagem financeira"},
    {"selling|sales|sales techniques", "vente|techniques de vente", "Verkauf|Vertrieb|Verkaufstechniken", "ventas|técnicas de venta", "vendita|tecniche di vendita", "vendas|técnicas de vendas"},
    {"consultative selling|solution selling", "vente consultative|vente conseil", "beratender Verkauf|Lösungsverkauf", "venta consultiva", "vendita consulenziale", "venda consultiva"},
    {"key account management|key accounts|account management", "gestion des grands comptes|grands comptes", "Key Account Management|Großkundenbetreuung", "gestión de cuentas clave", "gestione dei grandi clienti|key account", "gestão de contas-chave|grandes contas"},
    {"crm|salesforce|customer relationship management", "CRM|gestion de la relation client", "CRM|Kundenbeziehungsmanagement", "CRM|gestión de relaciones con clientes", "CRM|gestione delle relazioni con i clienti", "CRM|gestão de relacionamento com clientes"},
    {"prospecting|lead generation|cold calling", "prospection|prospection commerciale", "Kundenakquise|Neukundengewinnung", "prospección|captación de clientes", "prospezione|ricerca di nuovi clienti", "prospecção|prospecção de clientes"},
    {"digital marketing|online marketing", "marketing digital|marketing numérique", "digitales Marketing|Online-Marketing", "marketing digital", "marketing digitale", "marketing digital"},
    {"seo|search engine optimisation|search engine optimization", "référencement|SEO", "Suchmaschinenoptimierung|SEO", "posicionamiento en buscadores|SEO", "ottimizzazione per i motori di ricerca|SEO", "otimização para motores de busca|SEO"},
    {"brand management|branding", "gestion de marque|image de marque", "Markenführung|Markenmanagement", "gestión de marca", "gestione del marchio|brand management", "gestão de marca"},
    {"content marketing|content creation", "marketing de contenu", "Content-Marketing", "marketing de contenidos", "content marketing|marketing dei contenuti", "marketing de conteúdo"},
    {"marketing analytics|campaign analytics", "analyse marketing", "Marketing-Analyse", "analítica de marketing", "analisi di marketing", "análise de marketing"},
    {"social media marketing|social media|linkedin", "réseaux sociaux|marketing des réseaux sociaux", "Social-Media-Marketing|soziale Medien", "redes sociales|marketing en redes sociales", "social media|marketing sui social", "redes sociais|marketing em redes sociais"},
    {"recruiting|recruitment|hiring|interviewing", "recrutement|entretiens d'embauche", "Recruiting|Personalbeschaffung|Rekrutierung", "reclutamiento|selección de personal", "reclutamento|selezione del personale", "recrutamento|seleção de pessoal"},
    {"employment law|labour law|labor law", "droit du travail", "Arbeitsrecht", "derecho laboral", "diritto del lavoro", "direito do trabalho"},
    {"talent management|career development|succession planning", "gestion des talents", "Talentmanagement", "gestión del talento", "gestione dei talenti", "gestão de talentos"},
    {"compensation and benefits|payroll|rewards", "rémunération et avantages sociaux|rémunération", "Vergütung und Zusatzleistungen|Vergütung", "compensación y beneficios|retribución", "retribuzione e benefit", "remuneração e benefícios"},
    {"onboarding|induction", "intégration des nouveaux collaborateurs|onboarding", "Onboarding|Einarbeitung", "incorporación|onboarding", "inserimento|onboarding", "integração de novos colaboradores|onboarding"},
    {"hr analytics|people analytics", "analyse RH|analytique RH", "HR-Analytics|Personalanalyse", "analítica de RR. HH.|people analytics", "HR analytics|analisi HR", "análise de RH|people analytics"},
    {"customer service|customer support|helpdesk", "service client|relation client", "Kundenservice|Kundendienst", "atención al cliente|servicio al cliente", "servizio clienti|assistenza clienti", "atendimento ao cliente"},
    {"customer success|customer retention", "succès client|fidélisation client", "Customer Success|Kundenbindung", "éxito del cliente|fidelización de clientes", "customer success|fidelizzazione dei clienti", "sucesso do cliente|fidelização de clientes"},
    {"service design", "design de services|design de service", "Service Design|Dienstleistungsdesign", "diseño de servicios", "design dei servizi", "design de serviços"},
    {"customer journey mapping|customer journey|customer experience", "parcours client|expérience client", "Customer Journey|Kundenerlebnis", "mapa del recorrido del cliente|experiencia del cliente", "customer journey|esperienza del cliente", "jornada do cliente|experiência do cliente"},
    {"negotiation|negotiating|procurement", "négociation|négocier", "Verhandlung|Verhandlungsführung|verhandeln", "negociación|negociar", "negoziazione|negoziare", "negociação|negociar"},
    {"conflict resolution|managing conflict", "gestion des conflits|résolution de conflits", "Konfliktlösung|Konfliktmanagement", "resolución de conflictos|gestión de conflictos", "gestione dei conflitti|risoluzione dei conflitti", "resolução de conflitos|gestão de conflitos"},
    {"influencing|persuasion", "influence|persuasion", "Überzeugungskraft|Einfluss nehmen", "influencia|persuasión", "persuasione|capacità di influenza", "influência|persuasão"},
    {"excel|spreadsheets|pivot tables", "Excel|tableur", "Excel|Tabellenkalkulation", "Excel|hojas de cálculo", "Excel|fogli di calcolo", "Excel|planilhas"},
    {"powerpoint|slides", "PowerPoint", "PowerPoint", "PowerPoint", "PowerPoint", "PowerPoint"},
    {"collaboration tools|microsoft teams|sharepoint|outlook", "outils collaboratifs", "Kollaborationstools|Microsoft Teams", "herramientas colaborativas", "strumenti di collaborazione", "ferramentas colaborativas"},
    {"time management|productivity|prioritising", "gestion du temps|gérer son temps", "Zeitmanagement", "gestión del tiempo", "gestione del tempo", "gestão do tempo"},
    {"stress management|burnout", "gestion du stress|stress", "Stressbewältigung|Stressmanagement", "gestión del estrés|estrés", "gestione dello stress|stress", "gestão do estresse|estresse"},
    {"mindfulness|meditation", "pleine conscience|méditation", "Achtsamkeit|Meditation", "atención plena|mindfulness", "consapevolezza|mindfulness", "atenção plena|mindfulness"},
    {"resilience", "résilience", "Resilienz", "resiliencia", "resilienza", "resiliência"},
    {"work-life balance", "équilibre vie professionnelle vie personnelle|équilibre vie pro vie perso", "Work-Life-Balance|Vereinbarkeit von Beruf und Privatleben", "conciliación de la vida laboral y personal|equilibrio entre vida laboral y personal", "equilibrio tra lavoro e vita privata", "equilíbrio entre vida profissional e pessoal"},
    {"ergonomics|workstation setup", "ergonomie", "Ergonomie", "ergonomía", "ergonomia", "ergonomia"},
    {"sleep|sleep quality", "sommeil", "Schlaf", "sueño", "sonno", "qualidade do sono"},
}};

struct LanguageText {
    std::array<const char*, 4> formats;  // e-learning, webinar, MOOC, classroom
    std::array<const char*, 3> levels;
    std::array<const char*, 3> templates;  // {0} format, {1} level, {2} skills
    const char* and_word;
    std::array<const char*, 3> closings;
};

constexpr std::array<LanguageText, 6> kTexts{{
    {{"e-learning course", "webinar", "MOOC", "classroom training"},
     {"introductory", "intermediate", "advanced"},
     {"A {1} {0} on {2}.", "This {1} {0} covers {2} with practical exercises.",
      "Learn {2} in this {1} {0}, with case studies from everyday work."},
     "and",
     {"Ideal for teams who want to apply it quickly.", "Includes a final quiz.", "Self-paced, with a certificate of completion."}},
    {{"cours en ligne", "webinaire", "MOOC", "formation en présentiel"},
     {"débutant", "intermédiaire", "avancé"},
     {"{0} de niveau {1} : {2}.", "Dans ce parcours ({0}, niveau {1}), vous apprendrez {2} à travers des exercices pratiques.",
      "Découvrez {2} : {0} de niveau {1}, avec des études de cas concrètes."},
     "et",
     {"Idéal pour les équipes qui veulent passer rapidement à la pratique.", "Comprend un quiz final.",
      "À votre rythme, avec une attestation de réussite."}},
    {{"E-Learning-Kurs", "Webinar", "MOOC", "Präsenzschulung"},
     {"Einsteiger", "Fortgeschrittene", "Experten"},
     {"{0} auf Niveau {1}: {2}.", "In diesem Angebot ({0}, Niveau {1}) lernen Sie {2} mit praktischen Übungen.",
      "Entdecken Sie {2}: {0} für {1}, mit Fallstudien aus dem Arbeitsalltag."},
     "und",
     {"Ideal für Teams, die das Gelernte schnell anwenden wollen.", "Mit einem abschließenden Quiz.",
      "Im eigenen Tempo, mit Teilnahmezertifikat."}},
    {{"curso en línea", "seminario web", "MOOC", "formación presencial"},
     {"básico", "intermedio", "avanzado"},
     {"{0} de nivel {1}: {2}.", "En este programa ({0}, nivel {1}) aprenderás {2} con ejercicios prácticos.",
      "Descubre {2}: {0} de nivel {1}, con casos prácticos del trabajo diario."},
     "y",
     {"Ideal para equipos que quieren aplicarlo rápidamente.", "Incluye un cuestionario final.",
      "A tu ritmo, con certificado de finalización."}},
    {{"corso online", "webinar", "MOOC", "formazione in aula"},
     {"base", "intermedio", "avanzato"},
     {"{0} di livello {1}: {2}.", "In questo percorso ({0}, livello {1}) imparerai {2} con esercizi pratici.",
      "Scopri {2}: {0} di livello {1}, con casi di studio dal lavoro quotidiano."},
     "e",
     {"Ideale per i team che vogliono applicarlo subito.", "Include un quiz finale.",
      "Al tuo ritmo, con attestato di completamento."}},
    {{"curso online", "webinar", "MOOC", "formação presencial"},
     {"básico", "intermediário", "avançado"},
     {"{0} de nível {1}: {2}.", "Neste percurso ({0}, nível {1}) você vai aprender {2} com exercícios práticos.",
      "Descubra {2}: {0} de nível {1}, com estudos de caso do dia a dia."},
     "e",
     {"Ideal para equipes que querem aplicar rapidamente.", "Inclui um questionário final.",
      "No seu ritmo, com certificado de conclusão."}},
}};

std::string_view first_phrase(const char* phrases) {
    const std::string_view all(phrases);
    return all.substr(0, all.find('|'));
}

/// The skill's name in language column `lang` (the catalogue's name when the table lacks it).
std::string skill_name(const std::string& skill, std::size_t lang) {
    for (const auto& row : kSkillPhrases)
        if (first_phrase(row[0]) == skill) return std::string(first_phrase(row[lang]));
    return skill;
}

std::size_t format_index(std::string_view format) {
    if (format == "webinar") return 1;
    if (format == "MOOC") return 2;
    if (format == "classroom") return 3;
    return 0;
}

std::string capitalised(std::string s) {
    if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 32);
    return s;
}

}  // namespace

std::vector<AcademySkillPhrase> academy_skill_phrases() {
    std::vector<AcademySkillPhrase> out;
    for (const auto& row : kSkillPhrases) {
        const std::string skill(first_phrase(row[0]));
        for (std::size_t lang = 0; lang < kLanguages.size(); ++lang) {
            const std::string_view all(row[lang]);
            for (std::size_t b = 0; b <= all.size();) {
                const std::size_t e = std::min(all.find('|', b), all.size());
                out.push_back({skill, std::string(kLanguages[lang]), std::string(all.substr(b, e - b))});
                b = e + 1;
            }
        }
    }
    return out;
}

void detail::add_course_descriptions(Academy& academy, std::uint64_t seed) {
    auto rng = detail::academy_gen::stream_engine(seed, kDescriptionStream);
    for (auto& c : academy.courses) {
        std::size_t lang = 0;
        for (std::size_t l = 0; l < kLanguages.size(); ++l)
            if (c.language == kLanguages[l]) lang = l;
        const LanguageText& t = kTexts[lang];
        std::string skills;
        for (std::size_t i = 0; i < c.skills.size(); ++i) {
            if (i > 0) skills += i + 1 == c.skills.size() ? fmt::format(" {} ", t.and_word) : std::string(", ");
            skills += skill_name(c.skills[i].skill, lang);
        }
        if (skills.empty()) skills = c.topic;
        const int level = std::clamp(c.level, 1, 3);
        const std::size_t pick = draw(rng, t.templates.size());
        std::string text = capitalised(fmt::format(fmt::runtime(t.templates[pick]), t.formats[format_index(c.format)],
                                                   t.levels[static_cast<std::size_t>(level - 1)], skills));
        const std::size_t closing = draw(rng, t.closings.size() + 1);  // one time in four: none
        if (closing < t.closings.size()) text += fmt::format(" {}", t.closings[closing]);
        c.description = std::move(text);
    }
}

}  // namespace learnrec
